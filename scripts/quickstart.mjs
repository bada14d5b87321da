#!/usr/bin/env node
// The quick start's main job: serve examples/iris-classifier with `pyfunc serve`, send it the
// model's own serving input example once, print the request and the answer, stop the server.
// The model is a scikit-learn model saved by MLflow 2.22: its Python (MLflow 2.22.5,
// scikit-learn 1.9.1, as pinned in its requirements.txt) comes from scripts/oracle-venv.sh 2,
// which builds that virtualenv once per machine from PyPI with the machine's python3
// (PYFUNC_PYTHON overrides), and is served with `--env-manager local` on that interpreter.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const model = 'examples/iris-classifier';
const python = process.env.PYFUNC_PYTHON
  ?? execFileSync('bash', [join(root, 'scripts', 'oracle-venv.sh'), '2'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim().split(' ')[1];
const command = ['apps/cli/dist/bin.js', 'serve', '-m', model, '--env-manager', 'local', '-p', '0', '--log-format', 'json'];
console.log(`$ pyfunc ${command.slice(1, 6).join(" ")} -p 0   # PYFUNC_PYTHON=${python}`);
const server = spawn(process.execPath, command, { cwd: root, env: { ...process.env, PYFUNC_PYTHON: python }, stdio: ['ignore', 'inherit', 'pipe'] });
let exited = false;
const exitCode = new Promise((resolve) => server.on('exit', (code, signal) => { exited = true; resolve(code ?? signal); }));
const stop = () => { if (!exited) server.kill('SIGINT'); };
process.on('exit', stop);
const timer = setTimeout(() => { console.error('quickstart: the server did not start within 120 s'); stop(); process.exitCode = 1; }, 120_000);

const url = await new Promise((resolve, reject) => {
  let buffer = '';
  server.stderr.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const record = JSON.parse(line);
        if (record.url && /Serving /.test(record.msg)) resolve(record.url);
        else if (record.level >= 40) process.stderr.write(`${record.msg}\n`);
      } catch { process.stderr.write(`${line}\n`); }
    }
  });
  void exitCode.then((code) => reject(new Error(`pyfunc serve exited with ${code} before listening`)));
});
clearTimeout(timer);
const body = readFileSync(join(root, model, 'serving_input_example.json'), 'utf8');
console.log(`$ curl -X POST ${url}/invocations -H 'Content-Type: application/json' -d @${model}/serving_input_example.json`);
console.log(`  request:  ${body.replace(/\s+/g, ' ').trim()}`);
const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
console.log(`  response: HTTP ${response.status} ${await response.text()}`);
stop();
const code = await exitCode;
console.log(`server stopped (exit ${code})`);
if (response.status !== 200 || code !== 0) process.exitCode = 1;
