import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { oraclePython } from '../../../test/oracle/src/index.js';
import { parseSize, splitRequirementsOverride } from '../src/index.js';
import { run, stdinOf } from './support/run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const example = join(root, 'examples', 'iris-classifier');
const scratch = mkdtempSync(join(tmpdir(), 'pyfunc-cli-cmds-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const body = readFileSync(join(example, 'serving_input_example.json'), 'utf8');

describe('usage errors exit 2 (cli.md 1, checks 4, 5, 7)', () => {
  it.each([
    [['serve'], /--model-uri/],
    [['serve', '-m', example, '--env-manager', 'pip'], /INVALID_PARAMETER_VALUE: Invalid value for `env_manager`: pip\. Must be one of \['local', 'conda', 'virtualenv', 'uv'\]/],
    [['predict', '-m', example, '--env', 'FOO'], /'FOO' is not a valid key value pair, expecting `key=value`/],
    [['predict', '-m', example, '-t', 'xml'], /Content type must be one of json or csv\./],
    [['serve', '-m', example, '-p', 'abc'], /not a valid integer/],
    [['prepare-env'], /--model-uri/],
    [['update-pip-requirements', '-m', example, 'upgrade', 'numpy'], /invalid/],
    [['--log-format', 'xml', 'inspect', '-m', example], /invalid/],
    [['models', 'predict', '-m', example, '--bogus'], /unknown option/],
    [['serve', '-m', example, '--batch-max-size', '-3'], /'-3' is not a non-negative integer/],
    [['serve', '-m', example, '--batch-max-delay-ms', 'soon'], /'soon' is not a non-negative number/],
    [['serve', '-m', example, '--input-mode', 'json'], /argument 'json' is invalid\. Allowed choices are mlflow, raw\./],
  ])('%j', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('--help is help (exit 0) and -h is --host', async () => {
    const help = await run(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('-h, --host <host>');
    expect(help.stdout).toContain('--help');
    expect((await run(['models', 'serve', '--help'])).stdout.replace('pyfunc models serve', 'pyfunc serve')).toBe(help.stdout);
    const version = await run(['--version']);
    expect(version.stdout).toContain('0.0.0-test (MLflow model format 2.22 / 3.x)');
  });
});

describe('helpers', () => {
  it('splits -r on commas and trims (cli.md 3.5); parses sizes', () => {
    expect(splitRequirementsOverride('numpy==1.26.4, pandas==2.2.3,')).toEqual(['numpy==1.26.4', 'pandas==2.2.3']);
    expect(splitRequirementsOverride(undefined)).toBeUndefined();
    expect(parseSize('100MiB')).toBe(100 * 1024 * 1024);
    expect(parseSize('2048')).toBe(2048);
    expect(parseSize('1kb')).toBe(1000);
    expect(() => parseSize('lots')).toThrow();
  });
});

describe('failures exit 1 with "<ERROR_CODE>: <message>"', () => {
  it('missing model, --env with local (check 8), models:/ for requirements (check 13), a runs:/ URI of a missing run', async () => {
    const missing = await run(['predict', '-m', join(scratch, 'nope'), '--env-manager', 'local', '--input-data', body]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toMatch(/^RESOURCE_DOES_NOT_EXIST: No such model directory/m);
    const env = await run(['predict', '-m', example, '--env-manager', 'local', '--env', 'A=1', '--input-data', body]);
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/^INVALID_PARAMETER_VALUE: Extra environment variables are only supported when env_manager is set to 'virtualenv', 'conda' or 'uv'\./m);
    const registry = await run(['update-pip-requirements', '-m', 'models:/x/1', 'add', 'numpy']);
    expect(registry.code).toBe(1);
    expect(registry.stderr).toMatch(/^INVALID_PARAMETER_VALUE: /m);
    process.env.MLFLOW_TRACKING_URI = pathToFileURL(join(scratch, 'mlruns')).href;
    try {
      const runs = await run(['serve', '-m', 'runs:/abc/model', '--env-manager', 'local']);
      expect(runs.code).toBe(1);
      expect(runs.stderr).toMatch(/^RESOURCE_DOES_NOT_EXIST: .*'abc'/m);
    } finally {
      delete process.env.MLFLOW_TRACKING_URI;
    }
    const both = await run(['predict', '-m', example, '--env-manager', 'local', '--input-data', body, '-i', 'x.json']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^INVALID_PARAMETER_VALUE: Both --input-data and --input-path/m);
    const verbose = await run(['-v', 'predict', '-m', join(scratch, 'nope'), '--env-manager', 'local', '--input-data', '{}']);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('--env-manager conda prints MLflow\'s warning unless MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING is true', async () => {
    const warned = await run(['prepare-env', '-m', join(scratch, 'nope'), '--env-manager', 'conda']);
    expect(warned.stderr).toContain('WARN Use of conda is discouraged.');
    process.env.MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING = 'TRUE';
    try {
      const quiet = await run(['prepare-env', '-m', join(scratch, 'nope'), '--env-manager', 'conda']);
      expect(quiet.stderr).not.toContain('conda is discouraged');
      expect(quiet.code).toBe(1);
    } finally {
      delete process.env.MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING;
    }
  });
});

describe('prepare-env', () => {
  it('--env-manager local: nothing to prepare, exit 0 (check 10)', async () => {
    const { code, stdout } = await run(['models', 'prepare-env', '-m', example, '--env-manager', 'local']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Nothing to prepare/);
  });

  it('an interrupted build exits 130 (check 15)', async () => {
    const controller = new AbortController();
    controller.abort();
    const { code, stderr } = await run(['prepare-env', '-m', example, '--env-manager', 'virtualenv'], { signal: controller.signal });
    expect(stderr).toMatch(/^CANCELLED: /m);
    expect(code).toBe(130);
  });
});

describe('generate-dockerfile (serving.md 10.4, check 12)', () => {
  it('sklearn model with a known Python: python:<v>-slim, local env, model copied, pyfunc serve on 0.0.0.0:8080', async () => {
    const out = join(scratch, 'docker1');
    const { code, stdout } = await run(['generate-dockerfile', '-m', example, '-d', out]);
    expect(code).toBe(0);
    expect(stdout).toContain('base python:3.11.7-slim, env manager local');
    const dockerfile = readFileSync(join(out, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM python:3\.11\.7-slim$/m);
    expect(dockerfile).toContain('COPY model_dir/iris-classifier /opt/ml/model\n');
    expect(dockerfile).toContain('RUN python -m pip install --no-cache-dir -r /opt/ml/model/requirements.txt\n');
    expect(dockerfile).toContain('COPY --from=node:20-slim /usr/local/bin/node /usr/local/bin/node\n');
    expect(dockerfile).toContain('ENV MLFLOW_DISABLE_ENV_CREATION=True\n');
    expect(dockerfile).toContain('EXPOSE 8080\n');
    expect(dockerfile).toContain('ENTRYPOINT ["pyfunc", "serve", "-m", "/opt/ml/model", "-h", "0.0.0.0", "-p", "8080", "--env-manager", "local"]\n');
    expect(dockerfile).not.toContain('openjdk');
    expect(readFileSync(join(out, 'model_dir', 'iris-classifier', 'MLmodel'), 'utf8')).toBe(readFileSync(join(example, 'MLmodel'), 'utf8'));
  });

  it('virtualenv/uv switch a python image to Ubuntu as MLflow does; Java flavors and --install-java add Java; local on Ubuntu fails', async () => {
    const venv = join(scratch, 'docker2');
    expect((await run(['generate-dockerfile', '-m', example, '-d', venv, '--env-manager', 'virtualenv'])).code).toBe(0);
    const text = readFileSync(join(venv, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^FROM ubuntu:22\.04$/m);
    expect(text).toContain('RUN pyfunc prepare-env -m /opt/ml/model --env-manager virtualenv\n');
    const uv = join(scratch, 'docker3');
    expect((await run(['generate-dockerfile', '-m', example, '-d', uv, '--env-manager', 'uv'])).code).toBe(0);
    expect(readFileSync(join(uv, 'Dockerfile'), 'utf8')).toMatch(/^FROM python:3\.11\.7-slim$[\s\S]*--env-manager uv\n/m);
    const java = join(scratch, 'docker4');
    expect((await run(['generate-dockerfile', '-m', example, '-d', java, '--install-java'])).code).toBe(0);
    expect(readFileSync(join(java, 'Dockerfile'), 'utf8')).toMatch(/^FROM ubuntu:22\.04$[\s\S]*openjdk-17-jre-headless/m);
    const spark = join(scratch, 'spark-model');
    cpSync(example, spark, { recursive: true });
    writeFileSync(join(spark, 'MLmodel'), `${readFileSync(join(example, 'MLmodel'), 'utf8')}`.replace('flavors:\n', 'flavors:\n  spark:\n    pyspark_version: 3.5.0\n'));
    const sparkOut = join(scratch, 'docker5');
    expect((await run(['generate-dockerfile', '-m', spark, '-d', sparkOut])).code).toBe(0);
    expect(readFileSync(join(sparkOut, 'Dockerfile'), 'utf8')).toContain('openjdk-17-jre-headless');
    const local = await run(['generate-dockerfile', '-m', spark, '-d', join(scratch, 'docker6'), '--env-manager', 'local']);
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/^INVALID_PARAMETER_VALUE: We cannot use 'LOCAL' environment manager/m);
    expect(existsSync(join(scratch, 'docker6', 'Dockerfile'))).toBe(false);
    const none = join(scratch, 'docker7');
    expect((await run(['generate-dockerfile', '-d', none])).code).toBe(0);
    const bare = readFileSync(join(none, 'Dockerfile'), 'utf8');
    expect(bare).toMatch(/^FROM ubuntu:22\.04$/m);
    expect(bare).not.toContain('COPY model_dir');
    expect(bare).toContain('"--env-manager", "virtualenv"]');
  });
});

describe('update-pip-requirements / requirements add|remove (serving.md 10.6, check 13)', () => {
  it('adds lower-cased canonical requirements in place, appends new ones, keeps -r/-c lines, edits conda.yaml', async () => {
    const model = join(scratch, 'req-model');
    cpSync(example, model, { recursive: true });
    writeFileSync(join(model, 'requirements.txt'), 'mlflow==2.22.5\n-c constraints.txt\nnumpy == 1.26.4\nscikit-learn==1.9.1');
    const added = await run(['requirements', 'add', '-m', model, 'Numpy==2.0', 'pandas>=2,<3']);
    expect(added.stderr).toMatch(/^INFO Updated .*requirements\.txt and .*conda\.yaml\n$/);
    expect(added.code).toBe(0);
    expect(readFileSync(join(model, 'requirements.txt'), 'utf8')).toBe('mlflow==2.22.5\n-c constraints.txt\nnumpy==2.0\nscikit-learn==1.9.1\npandas<3,>=2');
    const conda = readFileSync(join(model, 'conda.yaml'), 'utf8');
    expect(conda).toContain('  - numpy==2.0\n');
    expect(conda).toContain('  - pandas<3,>=2\n');
    const removed = await run(['models', 'update-pip-requirements', '-m', model, 'remove', 'pandas', 'torch']);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain('"torch" not found in requirements, ignoring');
    expect(readFileSync(join(model, 'requirements.txt'), 'utf8')).toBe('mlflow==2.22.5\n-c constraints.txt\nnumpy==2.0\nscikit-learn==1.9.1');
    const dry = await run(['update-pip-requirements', '-m', model, 'add', 'scipy==1.0', '--dry-run']);
    expect(dry.stdout).toContain('scipy==1.0');
    expect(readFileSync(join(model, 'requirements.txt'), 'utf8')).not.toContain('scipy');
    const invalid = await run(['update-pip-requirements', '-m', model, 'add', 'not a requirement!!']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^INVALID_PARAMETER_VALUE: Found invalid requirements: \{'not a requirement!!'/m);
  });
});

describe('serve (in-process, the example model on the oracle Python)', () => {
  it('binds -h, takes MLFLOW_PORT unless -p is given, answers /invocations, exits 0 when interrupted (checks 1-3, 15)', async () => {
    process.env.PYFUNC_PYTHON = await oraclePython('2');
    process.env.MLFLOW_PORT = '1';
    try {
      const controller = new AbortController();
      let url = '';
      let answer = '';
      const done = run(['--log-format', 'json', 'models', 'serve', '-m', example, '--env-manager', 'local', '-h', '127.0.0.1', '-p', '0'], {
        signal: controller.signal,
        onListening: (listening) => {
          url = listening;
          void fetch(`${listening}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
            .then((response) => response.text()).then((text) => { answer = text; controller.abort(); }, () => controller.abort());
        },
      });
      const { code, stderr } = await done;
      expect(code).toBe(0);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url).not.toMatch(/:1$/);
      expect(answer).toBe('{"predictions": [0, 0, 0]}');
      const logs = stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
      expect(logs.some((log) => log.msg.startsWith('Serving '))).toBe(true);
    } finally {
      delete process.env.MLFLOW_PORT;
    }
  });

  it('MLFLOW_PORT is used when -p is absent (a taken port shows it: exit 1 naming that port)', async () => {
    const blocker = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    process.env.MLFLOW_PORT = String(port);
    try {
      const { code, stderr } = await run(['serve', '-m', example, '--env-manager', 'local']);
      expect(code).toBe(1);
      expect(stderr).toContain(`INVALID_STATE: Cannot listen on 127.0.0.1:${port}`);
    } finally {
      delete process.env.MLFLOW_PORT;
      blocker.close();
    }
  });
});

describe('predict (local, in-process)', () => {
  it('reads stdin, writes -o without a trailing newline, --input-data; an interrupted predict exits 130', async () => {
    process.env.PYFUNC_PYTHON = await oraclePython('2');
    const fromStdin = await run(['predict', '-m', example, '--env-manager', 'local'], { stdin: stdinOf(body) });
    expect(fromStdin.stdout).toBe('{"predictions": [0, 0, 0]}');
    const outPath = join(scratch, 'out.json');
    const toFile = await run(['predict', '-m', example, '--env-manager', 'local', '--input-data', body, '-o', outPath]);
    expect(toFile.code).toBe(0);
    expect(readFileSync(outPath, 'utf8')).toBe('{"predictions": [0, 0, 0]}');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const interrupted = await run(['predict', '-m', example, '--env-manager', 'local', '--input-data', body], { signal: controller.signal });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/^CANCELLED: /m);
  });

  it('the built bin exits 130 on SIGINT during predict', async () => {
    const python2 = await oraclePython('2');
    const bin = join(root, 'apps', 'cli', 'dist', 'bin.js');
    const script = `const c=require('child_process').spawn(process.execPath,[${JSON.stringify(bin)},'predict','-m',${JSON.stringify(example)},'--env-manager','local','--input-data','{}'],{stdio:'ignore'});setTimeout(()=>c.kill('SIGINT'),2500);c.on('exit',(code)=>process.stdout.write(String(code)));`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, PYFUNC_PYTHON: python2 } })).toBe('130');
  });
});
