import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { checkLayers } from '../lib/layers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writePackage(dir: string, name: string, deps: Record<string, string>, source: string) {
  mkdirSync(join(scratch, dir, 'src'), { recursive: true });
  writeFileSync(join(scratch, dir, 'package.json'), JSON.stringify({ name, dependencies: deps }));
  writeFileSync(join(scratch, dir, 'src', 'index.ts'), source);
}

describe('layering check', () => {
  it('finds no violation in this repository', () => {
    expect(checkLayers(root)).toEqual([]);
  });

  it('reports a lower layer importing a higher one, by manifest and by import', () => {
    writePackage('packages/format', '@pyfunc/format', { '@pyfunc/runtime': 'workspace:*' },
      "import { loadModel } from '@pyfunc/runtime';\nexport const x = loadModel;\n");
    writePackage('packages/runtime', '@pyfunc/runtime', { '@pyfunc/format': 'workspace:*' },
      "export { Model } from '@pyfunc/format';\nexport const backends = { python_function: '@pyfunc/python' };\n");
    const problems = checkLayers(scratch) as string[];
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('@pyfunc/format (dependencies) depends on @pyfunc/runtime');
    expect(problems[1]).toContain("imports @pyfunc/runtime");
  });

  it('reports packages on one row importing each other and dynamic imports', () => {
    writePackage('packages/environment', '@pyfunc/environment', {},
      "export const t = () => import('@pyfunc/tracking');\n");
    const problems = checkLayers(scratch) as string[];
    expect(problems.some((p) => p.includes("imports @pyfunc/tracking"))).toBe(true);
  });
});
