/**
 * The runtime's backend conformance suite on this backend, through the runtime's own
 * `loadModel` and registry: a streamable ChatModel saved by real MLflow (newest line).
 */
import { describeBackendConformance } from '@pyfunc/runtime/test';
import { oracleLines, oraclePython, runOracle } from '../../../test/oracle/src/index.js';
import { createPythonBackend } from '../src/index.js';
import { canon, saveModels } from './helpers.js';

const line = oracleLines.at(-1)!;
const input = { messages: [{ role: 'user', content: 'streams are lazy' }] };

describeBackendConformance(`python_function (MLflow ${line})`, async () => {
  const { chat } = await saveModels(line, ['chat']);
  const [single, stream] = await runOracle(line, 'python.predict', [
    { path: chat, input: { kind: 'raw', value: input } },
    { path: chat, input: { kind: 'raw', value: input }, stream: true },
  ]);
  return {
    backend: createPythonBackend({ envManager: 'local', python: oraclePython(line), workers: 2 }),
    modelDir: chat!,
    input,
    expected: single!.ok,
    expectedStream: (stream!.ok as unknown[]),
    badInput: { messages: [{ content: 'no role' }] },
    normalize: canon,
  };
});
