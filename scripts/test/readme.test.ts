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

  it("the quick start's main job serves the example model and shows one request and its answer", () => {
    expect(scripts.quickstart).toBe('bash scripts/bootstrap.sh && node scripts/quickstart.mjs');
    const job = scripts.quickstart!.split(' && ').slice(1).join(' && ');
    const output = execSync(job, { cwd: root, encoding: 'utf8', timeout: 180_000 });
    expect(output).toMatch(/^\$ pyfunc serve -m examples\/iris-classifier --env-manager local/m);
    expect(output).toMatch(/^\$ curl -X POST http:\/\/127\.0\.0\.1:\d+\/invocations /m);
    expect(output).toContain('"dataframe_split"');
    expect(output).toContain('response: HTTP 200 {"predictions": [0, 0, 0]}');
    expect(output).toContain('server stopped (exit 0)');
  }, 200_000);
});
