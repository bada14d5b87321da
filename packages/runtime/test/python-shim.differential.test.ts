/**
 * The `python_function` flavor of TypeScript models (runtime.md 11.5): models saved here are loaded
 * by real `mlflow.pyfunc.load_model` (both MLflow lines), which runs them in one Node process via
 * `code/pyfunc_node_loader.py`; what Python gets equals what Node's own `loadModel(...).predict`
 * returns on the same input (frames with int64 beyond 2^53, NaN, None, unicode, datetimes; params;
 * model config overrides; streams; coded errors), and no `node` process outlives Python.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Frame, MlflowException, PyDateTime, Tensor, withParams } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, oraclePython, runOracle, type OracleLine, type OracleResult } from '../../../test/oracle/src/index.js';
import { loadModel, saveModel } from '../src/index.js';
import { EchoChatModel } from './chat-echo-model.js';
import { CharStream, ConfiguredModel, echoFrame, strict } from './fixtures/shim-models.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let root: string;
const dirs: Record<string, string> = {};

const UNICODE = 'ü€ 😀 中文';
const BIG = 2n ** 60n + 7n;

/** Input specs for the oracle (see test/oracle/ops_shim.py) and the same data for Node. */
interface Case {
  name: string;
  model: string;
  python: Record<string, unknown>;
  node: unknown;
  params?: Record<string, unknown>;
  modelConfig?: Record<string, unknown>;
  stream?: boolean;
}

const frameSpec = [
  ['i', 'int64', [1n, BIG, -3n]],
  ['f', 'float64', [NaN, 2.5, -0.125]],
  ['s', 'object', [null, UNICODE, '']],
  ['t', 'datetime64[ns]', ['2024-01-02T03:04:05', '1999-12-31T23:59:59.123', '1970-01-01T00:00:00']],
] as const;
const frameForNode = Frame.fromColumns({
  i: [1n, BIG, -3n],
  f: [NaN, 2.5, -0.125],
  s: [null, UNICODE, ''],
  t: [new Date('2024-01-02T03:04:05Z'), new Date('1999-12-31T23:59:59.123Z'), new Date(0)],
}, { dtypes: { i: 'int64', f: 'float64', s: 'object', t: 'datetime64[ns]' } });

const chatInput = { messages: [{ role: 'user', content: `hello ${UNICODE}` }], temperature: 0.5, max_tokens: 10 };

const cases: Case[] = [
  { name: 'a frame function model: int64 > 2^53, NaN, None, unicode, datetimes', model: 'frame', python: { frame: frameSpec }, node: frameForNode },
  { name: 'a class model: artifacts, params, state, load-time model config', model: 'configured',
    python: { value: ['hello', UNICODE] }, node: ['hello', UNICODE], params: { suffix: '?', times: 3 }, modelConfig: { temperature: 0.9 } },
  { name: 'a class model with the saved model config', model: 'configured', python: { value: ['x'] }, node: ['x'] },
  { name: 'a streaming model (predict_stream)', model: 'stream', python: { value: 'ab' }, node: 'ab', params: { times: 2 }, stream: true },
  { name: 'a models-from-code model', model: 'code', python: { value: 'hi' }, node: 'hi' },
  { name: 'a ChatModel (predict)', model: 'chat', python: { value: chatInput }, node: chatInput },
  { name: 'a ChatModel (predict_stream)', model: 'chat', python: { value: chatInput }, node: chatInput, stream: true },
  { name: 'a function model result', model: 'strict', python: { frame: [['x', 'int64', [3n, 4n]]] }, node: Frame.fromColumns({ x: [3n, 4n] }, { dtypes: { x: 'int64' } }) },
  { name: 'a model throwing an MlflowException with a code', model: 'strict', python: { frame: [['x', 'int64', [-1n]]] }, node: Frame.fromColumns({ x: [-1n] }, { dtypes: { x: 'int64' } }) },
  { name: 'a model throwing a plain error', model: 'strict', python: { frame: [['x', 'int64', [0n]]] }, node: Frame.fromColumns({ x: [0n] }, { dtypes: { x: 'int64' } }) },
  { name: 'input that breaks the signature (MLflow enforces it in Python)', model: 'strict', python: { frame: [['x', 'object', ['a']]] }, node: Frame.fromColumns({ x: ['a'] }) },
];

/** Node's result in the shape ops_shim.describe gives Python's. */
function describe_(value: unknown): unknown {
  if (value instanceof Frame) {
    const columns = value.toColumns();
    return { $frame: {
      columns: value.columns.map((column) => String(column.name)),
      dtypes: value.columns.map((column) => column.dtype),
      data: value.columns.map((column) => columns[String(column.name)]!.map(describe_)),
    } };
  }
  if (value instanceof Tensor) return { $ndarray: { dtype: value.dtype, shape: [...value.shape], data: value.toNested() } };
  if (Array.isArray(value)) return value.map(describe_);
  if (value instanceof Date) return PyDateTime.fromDate(value).isoformat();
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { isoformat?: unknown }).isoformat === 'function') return (value as { isoformat(): string }).isoformat();
    if (typeof (value as { toDict?: unknown }).toDict === 'function') return describe_((value as { toDict(): unknown }).toDict());
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).map(([key, item]) => [key, describe_(item)]));
  }
  if (typeof value === 'bigint' && value >= -(2n ** 53n) && value <= 2n ** 53n) return Number(value);
  return value;
}

async function nodeAnswer(testCase: Case): Promise<OracleResult> {
  const model = await loadModel(dirs[testCase.model]!, testCase.modelConfig !== undefined ? { modelConfig: testCase.modelConfig } : {});
  try {
    if (testCase.stream === true) {
      const chunks: unknown[] = [];
      for await (const chunk of model.predictStream(testCase.node, testCase.params)) chunks.push(describe_(chunk));
      return { ok: chunks as never };
    }
    return { ok: describe_(await model.predict(testCase.node, testCase.params)) as never };
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
    return { error: { type: 'MlflowException', code: error.errorCode, message: error.message } };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

/** Runs a Python script with the oracle's interpreter; resolves with its output and exit code. */
function runPython(line: OracleLine, script: string, options: { env?: Record<string, string>; killAfterLine?: boolean } = {}):
  Promise<{ code: number | null; stdout: string; stderr: string; firstLine?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(oraclePython(line), ['-c', script], {
      cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let firstLine: string | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (firstLine === undefined && stdout.includes('\n')) {
        firstLine = stdout.split('\n')[0];
        if (options.killAfterLine === true) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(firstLine !== undefined ? { firstLine } : {}) });
    });
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-python-shim-'));
  const greeting = join(root, 'greeting.txt');
  await writeFile(greeting, `Grüß dich ${UNICODE}\n`);
  dirs.frame = join(root, 'frame');
  await saveModel(dirs.frame, {
    pythonModel: echoFrame,
    inputExample: Frame.fromColumns({ i: [1n], f: [0.5], s: ['a'], t: [new Date('2020-01-01T00:00:00Z')] },
      { dtypes: { i: 'int64', f: 'float64', s: 'object', t: 'datetime64[ns]' } }),
  });
  dirs.strict = join(root, 'strict');
  await saveModel(dirs.strict, { pythonModel: strict, inputExample: Frame.fromColumns({ x: [1n] }, { dtypes: { x: 'int64' } }) });
  dirs.configured = join(root, 'configured');
  await saveModel(dirs.configured, {
    pythonModel: new ConfiguredModel('ts'),
    artifacts: { greeting },
    inputExample: withParams(['hello'], { suffix: '!', times: 2 }),
    modelConfig: { temperature: 0.5, retrieval: { k: 3 } },
  });
  dirs.stream = join(root, 'stream');
  await saveModel(dirs.stream, { pythonModel: new CharStream(), inputExample: withParams(['ab'], { times: 1 }) });
  dirs.code = join(root, 'code');
  await saveModel(dirs.code, { pythonModel: join(fixtures, 'code-model.ts'), modelConfig: { timeout: 7 } });
  dirs.chat = join(root, 'chat');
  await saveModel(dirs.chat, { pythonModel: new EchoChatModel(), moduleUrl: new URL('./chat-echo-model.ts', import.meta.url) });
}, 300_000);

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('the saved python_function flavor', () => {
  it('names the Node loader, the code directory, the environment files and the same config/streamable/artifacts', async () => {
    const text = await readFile(join(dirs.configured!, 'MLmodel'), 'utf8');
    const { Model } = await import('@pyfunc/format');
    const model = await Model.load(dirs.configured!);
    const python = model.flavors.python_function!;
    const js = model.flavors.js_function!;
    expect(python).toMatchObject({
      loader_module: 'pyfunc_node_loader', code: 'code', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
      streamable: false, config: { temperature: 0.5, retrieval: { k: 3 } },
    });
    expect(python.artifacts).toEqual(js.artifacts);
    expect(text).toContain('pyfunc_node_loader');
    expect(await readFile(join(dirs.configured!, 'requirements.txt'), 'utf8')).toMatch(/^mlflow==2\.22\.\d+$/);
    expect(await readFile(join(dirs.configured!, 'python_env.yaml'), 'utf8')).toContain('- -r requirements.txt');
    const runner = await readFile(join(dirs.configured!, 'js', 'runner.mjs'), 'utf8');
    expect(runner).not.toMatch(/from ['"]esbuild['"]|from ['"]@pyfunc\//);
  });
});

describe.each(oracleLines)('MLflow %s loads TypeScript models through Node', (line) => {
  let answers: OracleResult[];
  beforeAll(async () => {
    answers = await runOracle(line, 'shim.predict', cases.map((testCase) => ({
      path: dirs[testCase.model], input: testCase.python, stream: testCase.stream === true,
      ...(testCase.params !== undefined ? { params: testCase.params } : {}),
      ...(testCase.modelConfig !== undefined ? { model_config: testCase.modelConfig } : {}),
    })));
  }, 300_000);

  it.each(cases.map((c, index) => [c.name, index] as const))('%s: Python gets what Node returns', async (_name, index) => {
    const testCase = cases[index]!;
    const theirs = answers[index];
    const ours = await nodeAnswer(testCase);
    if (ours.error !== undefined) {
      expect(theirs!.error, JSON.stringify(theirs)).toMatchObject({ type: 'MlflowException', code: ours.error.code });
      if (testCase.name.includes('signature')) {
        // MLflow's own enforcement message (Python repr of the frame) differs from the TS rendering; the code is the same
        expect(theirs!.error!.message).toContain('Failed to enforce schema');
      } else {
        expect(theirs!.error!.message).toBe(ours.error.message);
      }
    } else {
      expect(theirs!.error, JSON.stringify(theirs!.error)).toBeUndefined();
      expect(describe_(theirs!.ok)).toEqual(ours.ok);
    }
  });

  it('reads the environment files and the model config as MLflow does', async () => {
    const [theirs] = await runOracle(line, 'shim.flavor_of', [{ path: dirs.configured, model_config: { temperature: 0.1 } }]);
    expect(theirs!.error).toBeUndefined();
    const answer = theirs!.ok as Record<string, unknown>;
    expect(answer.loader_module).toBe('pyfunc_node_loader');
    expect(answer.dependencies).toMatch(/^mlflow==2\.22\.\d+$/);
    expect(answer.model_config).toEqual({ temperature: 0.1, retrieval: { k: 3 } });
  });

  it('leaves no node process behind: on exit, on garbage collection, when Python is killed', async () => {
    const script = (after: string) => [
      'import gc, os, sys, mlflow.pyfunc',
      `m = mlflow.pyfunc.load_model(${JSON.stringify(dirs.strict)})`,
      'pid = m._model_impl.pid',
      'print(pid, flush=True)',
      after,
    ].join('\n');
    // garbage collection ends the first process while Python lives on; exit ends the second
    // (both Pythons start at once: each spends seconds importing MLflow)
    const killedRun = runPython(line, script('import time; time.sleep(60)'), { killAfterLine: true });
    const run = await runPython(line, script([
      'import time',
      'del m; gc.collect()',
      'deadline = time.time() + 10',
      'while time.time() < deadline:',
      '    try:',
      '        os.kill(pid, 0); time.sleep(0.1)',
      '    except ProcessLookupError:',
      '        break',
      'print("gone" if time.time() < deadline else "alive", flush=True)',
      `m = mlflow.pyfunc.load_model(${JSON.stringify(dirs.strict)})`,
      'print(m._model_impl.pid, flush=True)',
      'sys.exit(0)',
    ].join('\n')));
    expect(run.code, run.stderr).toBe(0);
    const [first, collected, second] = run.stdout.trim().split('\n');
    expect(Number(first)).toBeGreaterThan(0);
    expect(collected, run.stderr).toBe('gone');
    expect(Number(second)).toBeGreaterThan(0);
    expect(await waitGone(Number(second))).toBe(true);

    const killed = await killedRun;
    const killedPid = Number(killed.firstLine);
    expect(killedPid).toBeGreaterThan(0);
    expect(await waitGone(killedPid)).toBe(true);
  });

  it('`mlflow models predict --env-manager local` prints what Node predicts; the model\'s console output stays off stdout', async () => {
    const cli = join(dirname(oraclePython(line)), 'mlflow');
    const run = (model: string, input: unknown) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const inputPath = join(root, `cli-${line}-${model}.json`);
      void writeFile(inputPath, JSON.stringify(input)).then(() => {
        const child = spawn(cli, ['models', 'predict', '-m', dirs[model]!, '-i', inputPath, '-t', 'json', '--env-manager', 'local'],
          { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
        child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
        child.on('error', reject);
        child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
      }, reject);
    });
    // the strict model through the same command run in the oracle's process (one Python start fewer)
    const strictInput = join(root, `cli-${line}-strict.json`);
    await writeFile(strictInput, JSON.stringify({ dataframe_split: { columns: ['x'], data: [[3], [4]] } }));
    const [strictRun] = await runOracle(line, 'cli.invoke', [{ args: ['models', 'predict', '-m', dirs.strict!, '-i', strictInput, '-t', 'json', '--env-manager', 'local'] }]);
    expect(strictRun!.error, JSON.stringify(strictRun!.error)).toBeUndefined();
    const strictResult = strictRun!.ok as { exit_code: number; stdout: string; error: string | null };
    expect(strictResult.exit_code, strictResult.error ?? '').toBe(0);
    const ours = await (await loadModel(dirs.strict!)).predict(Frame.fromColumns({ x: [3n, 4n] }, { dtypes: { x: 'int64' } }));
    expect(JSON.parse(strictResult.stdout)).toEqual({ predictions: ours });
    const frameRun = await run('frame', { dataframe_split: { columns: ['i', 'f', 's', 't'], data: [[1, 0.5, 'a', '2020-01-01T00:00:00']] } });
    expect(frameRun.code, frameRun.stderr).toBe(0);
    expect(JSON.parse(frameRun.stdout)).toEqual({ predictions: [{ i: 1, f: 0.5, s: 'a', t: '2020-01-01T00:00:00' }] });
    expect(frameRun.stderr).toContain('echoFrame got an input');
  });

  it('fails at load with an error naming `node` when Node is not on PATH', async () => {
    const [result] = await runOracle(line, 'shim.load_without_node', [{ path: dirs.strict }]);
    expect(result!.error, JSON.stringify(result!.error)).toBeUndefined();
    expect(result!.ok).toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringMatching(/`node` executable was not found on PATH/) });
  });
});
