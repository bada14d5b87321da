import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('README quick start', () => {
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = block.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);

  it('is exactly two commands, both npm scripts that exist', () => {
    expect(commands).toEqual(['npm run quickstart', 'npm test']);
    expect(scripts.quickstart).toMatch(/^bash scripts\/bootstrap\.sh && /);
    expect(scripts.test).toMatch(/^bash scripts\/bootstrap\.sh --oracle && node scripts\/test\.mjs$/);
  });

  it("the quick start's main job runs and prints the example model", () => {
    const job = scripts.quickstart!.split(' && ').slice(1).join(' && ');
    const output = execSync(job, { cwd: root, encoding: 'utf8' });
    expect(output).toContain('Flavors:');
    expect(output).toContain('Signature:');
    expect(output).toContain('Input example:');
  });
});
