/**
 * `predict -r` reaches the environment build (cli.md 2 `-r`, check 9; divergence 5: the
 * comma-separated list is split), and `predict` reports the build's progress as plain log lines
 * when stderr is not a TTY (issue: progress during environment builds). The model's own
 * requirements are tiny (`six`) so the uv environment builds in seconds; the override names a
 * package that does not exist, so the build fails at the override step with uv's error naming it
 * — which only happens if the override got there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { run, stdinOf } from './support/run.js';

const scratch = mkdtempSync(join(tmpdir(), 'pyfunc-cli-override-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MISSING = 'pyfunc-no-such-package-4c1d7e';

function tinyModel(): string {
  const dir = join(scratch, 'model');
  const python = execFileSync('python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'MLmodel'), [
    'flavors:',
    '  python_function:',
    '    env:',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.pyfunc.model',
    `    python_version: ${python}`,
    'mlflow_version: 2.22.0',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'python_env.yaml'), `python: ${python}\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n`);
  writeFileSync(join(dir, 'requirements.txt'), 'six\n');
  return dir;
}

describe('predict -r with --env-manager uv', () => {
  it('installs the split override list into the restored environment, with progress lines on a non-TTY stderr', async () => {
    const dir = tinyModel();
    const saved = process.env.PYFUNC_ENV_CACHE;
    process.env.PYFUNC_ENV_CACHE = join(scratch, 'envs');
    try {
      const { code, stderr } = await run(['predict', '-m', dir, '--env-manager', 'uv', '-r', `six, ${MISSING}==9.9.9`,
        '--content-type', 'json'], { stdin: stdinOf('{"inputs": [1]}') });
      expect(code).toBe(1);
      expect(stderr).toContain(MISSING);
      expect(stderr).toMatch(/Resolving the uv environment of /);
      expect(stderr).toMatch(/Creating environment /);
    } finally {
      if (saved === undefined) delete process.env.PYFUNC_ENV_CACHE;
      else process.env.PYFUNC_ENV_CACHE = saved;
    }
  }, 240_000);
});
