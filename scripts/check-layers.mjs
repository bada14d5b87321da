#!/usr/bin/env node
// Fails (exit 1) when a package imports one on its own or a higher layer (DESIGN.md).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayers, workspacePackages } from './lib/layers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = checkLayers(root);
if (problems.length > 0) {
  console.error(`layering check: ${problems.length} violation(s)`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`layering check: ${workspacePackages(root).length} packages, imports point down only`);
