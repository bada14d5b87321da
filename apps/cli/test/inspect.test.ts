import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const example = join(root, 'examples', 'iris-classifier');

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'pyfunc', ...args], {
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => ((stderr += text), true) },
  });
  return { code, stdout, stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'pyfunc-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('pyfunc inspect', () => {
  it('prints flavors, signature, input example and environment of the example model', async () => {
    const { code, stdout, stderr } = await run('inspect', '-m', example);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Flavors:\n  python_function\n');
    expect(stdout).toContain('    loader_module: mlflow.sklearn\n');
    expect(stdout).toContain('  sklearn\n');
    expect(stdout).toContain('  inputs:\n    sepal length (cm): double\n');
    expect(stdout).toContain('  outputs:\n    tensor int64 (-1)\n');
    expect(stdout).toContain('input_example.json (dataframe)');
    expect(stdout).toContain('[[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [4.7, 3.2, 1.3, 0.2]]');
    expect(stdout).toContain('scikit-learn==1.9.1');
  });

  it('--json output parses and holds flavors and signature (cli.md check 14); `models inspect` is the same', async () => {
    const { code, stdout } = await run('inspect', '-m', example, '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Record<string, any>;
    expect(Object.keys(summary.flavors)).toEqual(['python_function', 'sklearn']);
    expect(summary.signature.inputs).toHaveLength(4);
    expect(summary.signature.inputs[0]).toEqual({ type: 'double', name: 'sepal length (cm)', required: true });
    expect(summary.input_example.info.type).toBe('dataframe');
    expect(summary.input_example.serving.dataframe_split.columns).toHaveLength(4);
    expect((await run('models', 'inspect', '-m', example, '--json')).stdout).toBe(stdout);
  });

  it('exits 1 with "<ERROR_CODE>: message" for a missing or broken model, 2 for usage errors', async () => {
    const missing = await run('inspect', '-m', join(scratch, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^RESOURCE_DOES_NOT_EXIST: Could not find an "MLmodel"/);
    writeFileSync(join(scratch, 'MLmodel'), 'flavors: [\n');
    const broken = await run('inspect', '-m', scratch);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^INVALID_PARAMETER_VALUE: Malformed YAML in /);
    expect((await run('inspect')).code).toBe(2);
    expect((await run('inspect', '-m', example, '--bogus')).code).toBe(2);
    expect((await run('nonsense')).code).toBe(2);
  });

  it('runs as a binary: the built bin prints the same and sets the exit code', () => {
    const bin = join(root, 'apps', 'cli', 'dist', 'bin.js');
    const output = execFileSync(process.execPath, [bin, 'inspect', '-m', example], { encoding: 'utf8' });
    expect(output).toContain('Flavors:');
    expect(() => execFileSync(process.execPath, [bin, 'inspect', '-m', join(scratch, 'nope')], { stdio: 'pipe' }))
      .toThrow(expect.objectContaining({ status: 1 }));
  });
});
