#!/usr/bin/env node
// One server of bench/http, in its own process (so the load generator never shares its event loop):
//   node server.mjs raw                       raw node:http hello-world
//   node server.mjs ts                        a trivial TypeScript model through @pyfunc/http serve()
//   node server.mjs python <modelDir> <python> [workers] [batch]
//                                             an MLflow model through @pyfunc/http + @pyfunc/python
//                                             (workers omitted or "default": the pool's default size;
//                                             batch: dynamic batching's maxBatchSize, 0/omitted = off)
// Prints `READY <url>` on stdout once it answers, stops on SIGTERM.
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (name) => import(pathToFileURL(join(repo, 'packages', name, 'dist', 'index.js')).href);
const [mode, modelDir, python, workersArg, batchArg] = process.argv.slice(2);

if (mode === 'raw') {
  const answer = '{"predictions": [1]}';
  const raw = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(answer);
    });
  });
  raw.keepAliveTimeout = 75_000;
  raw.listen(0, '127.0.0.1', () => console.log(`READY http://127.0.0.1:${raw.address().port}`));
  process.on('SIGTERM', () => process.exit(0));
} else if (mode === 'ts') {
  const [http, runtime, format] = await Promise.all([dist('adapters/http'), dist('runtime'), dist('format')]);
  const model = new runtime.PyFuncModel(new format.Model({ flavors: { js_function: {} } }), { doPredict: async (data) => data });
  const server = await http.serve(model, { port: 0, shutdownGraceSeconds: 2, handleSignals: false });
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  console.log(`READY ${server.url}`);
} else if (mode === 'python') {
  const [http, py] = await Promise.all([dist('adapters/http'), dist('python')]);
  const workers = workersArg === undefined || workersArg === 'default' ? undefined : Number(workersArg);
  const model = await py.loadPythonModel(modelDir, { envManager: 'local', python, workers });
  const size = workers ?? py.defaultWorkerCount();
  const batch = Number(batchArg ?? 0);
  const batching = batch > 0 ? { maxBatchSize: batch } : false;
  const server = await http.serve(model, { port: 0, shutdownGraceSeconds: 2, workers: size, handleSignals: false, batching });
  process.on('SIGTERM', () => void server.close().then(() => model.close()).then(() => process.exit(0)));
  console.log(`READY ${server.url} workers=${size} batch=${batch}`);
} else {
  console.error(`unknown mode ${String(mode)}`);
  process.exit(2);
}
