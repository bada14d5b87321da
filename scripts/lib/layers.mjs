// DESIGN.md's layers: a package may import only packages on lower rows. The runtime's upward
// references to backends are strings (builtinBackends), never imports.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Row of each workspace package; higher rows may import lower rows only. */
export const layerOf = {
  '@pyfunc/format': 0,
  '@pyfunc/environment': 1,
  '@pyfunc/tracking': 1,
  '@pyfunc/runtime': 2,
  '@pyfunc/python': 3,
  '@pyfunc/http': 4,
  '@pyfunc/spark': 4,
  pyfunc: 5,
};

const packageDirs = ['packages', 'packages/adapters', 'apps'];
const importPattern = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else if (/\.(c|m)?[jt]sx?$/.test(entry)) out.push(path);
  }
  return out;
}

/** Every workspace package under root: { name, dir }. */
export function workspacePackages(root) {
  const found = [];
  for (const base of packageDirs) {
    const dir = join(root, base);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      const manifest = join(dir, entry, 'package.json');
      if (existsSync(manifest)) found.push({ name: JSON.parse(readFileSync(manifest, 'utf8')).name, dir: join(dir, entry) });
    }
  }
  return found;
}

/** The violations of the layering in the tree at root; empty when it holds. */
export function checkLayers(root) {
  const problems = [];
  const packages = workspacePackages(root);
  for (const pkg of packages) {
    const own = layerOf[pkg.name];
    if (own === undefined) { problems.push(`${pkg.name}: not placed in a layer (scripts/lib/layers.mjs)`); continue; }
    const allowed = (target) => target === pkg.name || (layerOf[target] !== undefined && layerOf[target] < own);
    const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8'));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        if (layerOf[dep] !== undefined && !allowed(dep)) problems.push(`${pkg.name} (${field}) depends on ${dep}, which is not below it`);
      }
    }
    for (const file of listFiles(join(pkg.dir, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const isTest = /\.test\.[jt]s$|\/testing\//.test(file);
      for (const match of text.matchAll(importPattern)) {
        const spec = match[1] ?? match[2] ?? match[3] ?? match[4];
        const target = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (layerOf[target] !== undefined && !allowed(target)) {
          problems.push(`${relative(root, file)} imports ${spec}: ${pkg.name} may not import a package on its own or a higher layer`);
        }
        if (spec.startsWith('.')) {
          const resolved = join(file, '..', spec);
          if (!resolved.startsWith(pkg.dir)) problems.push(`${relative(root, file)} imports ${spec}, outside its package`);
        }
        if (target === '@pyfunc/test-oracle' && !isTest) problems.push(`${relative(root, file)} imports the test oracle outside a test`);
      }
    }
  }
  return problems;
}
