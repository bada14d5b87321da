/**
 * A saved model is self-contained: copied to a fresh directory, it loads and predicts in a child
 * `node` process that has only @pyfunc/runtime (and its own dependencies) installed, with no
 * access to the author's sources or TypeScript tooling.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../src/index.js';
import { EchoModel } from './fixtures/echo-model.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let root: string;
let app: string;

/** Installs @pyfunc/runtime (built from src, dependencies external) into `<app>/node_modules`. */
async function installRuntime(appDir: string): Promise<void> {
  const target = join(appDir, 'node_modules', '@pyfunc', 'runtime');
  await mkdir(join(target, 'dist'), { recursive: true });
  await build({
    entryPoints: [join(packageDir, 'src', 'index.ts')],
    outfile: join(target, 'dist', 'index.js'),
    bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent',
    packages: 'external',
  });
  await writeFile(join(target, 'package.json'), JSON.stringify({
    name: '@pyfunc/runtime', version: '0.1.0', type: 'module', exports: { '.': './dist/index.js' },
  }));
  for (const dependency of ['@pyfunc/environment', '@pyfunc/format', '@pyfunc/tracking', 'esbuild', 'zod']) {
    await mkdir(join(appDir, 'node_modules', ...dependency.split('/').slice(0, -1)), { recursive: true });
    await symlink(await realpath(join(packageDir, 'node_modules', dependency)), join(appDir, 'node_modules', dependency), 'dir');
  }
  await writeFile(join(appDir, 'predict.mjs'), [
    "import { loadModel } from '@pyfunc/runtime';",
    'const model = await loadModel(process.argv[2]);',
    'const input = JSON.parse(process.argv[3]);',
    'const output = await model.predict(input);',
    "process.stdout.write(JSON.stringify(typeof output?.toRecords === 'function' ? output.toRecords() : output));",
  ].join('\n'));
}

async function predictInChild(modelDir: string, input: unknown): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['predict.mjs', modelDir, JSON.stringify(input)], {
    cwd: app, timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: root },
  });
  return JSON.parse(stdout);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-runtime-fresh-'));
  app = join(root, 'app');
  await installRuntime(app);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('self-contained saved models', () => {
  it('an object model (class bundled with zod, state restored) predicts in a fresh directory', async () => {
    const saved = join(root, 'author', 'echo');
    await saveModel(saved, { pythonModel: new EchoModel('fresh'), modelConfig: { k: 1 } });
    const moved = join(root, 'elsewhere', 'echo-copy');
    await cp(saved, moved, { recursive: true });
    await rm(saved, { recursive: true });
    expect(await predictInChild(moved, { probe: true })).toEqual({
      label: 'fresh', big: (2n ** 60n).toString(), config: { k: 1 }, artifacts: [],
    });
    expect(await predictInChild(moved, 'plain')).toBe('plain');
  });

  it('a model from code with a helper import, and a loader-module model', async () => {
    const code = join(root, 'author', 'code');
    await saveModel(code, { modelCode: join(fixtures, 'code-model.ts'), modelConfig: { timeout: 12 } });
    const movedCode = join(root, 'elsewhere', 'code-copy');
    await cp(code, movedCode, { recursive: true });
    expect(await predictInChild(movedCode, 'x')).toBe('This was the input: X, timeout 12, context {"timeout":12}');

    const data = join(root, 'author', 'weights');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'weights.json'), '{"scale": 4}');
    const loader = join(root, 'author', 'loader-model');
    await saveModel(loader, { loaderModule: join(fixtures, 'loader.ts'), dataPath: data });
    const movedLoader = join(root, 'elsewhere', 'loader-copy');
    await cp(loader, movedLoader, { recursive: true });
    expect(await predictInChild(movedLoader, [1, 2])).toEqual([4, 8]);
  });
});
