/**
 * `inputMode: 'raw'` (serve's `--input-mode raw`, cli.md 3 item 7, an addition to MLflow): the
 * model gets the `inputs` JSON value exactly as decoded, for every model — the type-hint path of
 * serving.md 4.4 — while the default keeps MLflow's conversions. Chat bodies keep their path;
 * CSV is unchanged.
 */
import { Frame, Model, ModelSignature, Tensor } from '@pyfunc/format';
import { PyFuncModel } from '@pyfunc/runtime';
import { describe, expect, it } from 'vitest';
import { createModelApp } from '../src/index.js';

/** A model that says what it was given: its kind, and the value itself for plain JSON. */
function describingModel(signature?: ModelSignature): PyFuncModel {
  return new PyFuncModel(new Model({ signature, flavors: { js_function: {} } }), {
    async doPredict(data, params) {
      const kind = data instanceof Frame ? 'frame' : data instanceof Tensor ? 'tensor' : Array.isArray(data) ? 'list' : typeof data;
      return { kind, value: data instanceof Frame || data instanceof Tensor ? null : data, params: params ?? null };
    },
  });
}

const signature = ModelSignature.fromDict({
  inputs: JSON.stringify([{ type: 'double', name: 'a', required: true }]),
  outputs: null,
  params: null,
});

async function invoke(app: ReturnType<typeof createModelApp>['app'], body: string, contentType = 'application/json'):
  Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await app.request('/invocations', { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, json: await response.json() as Record<string, unknown> };
}

describe('inputMode raw', () => {
  const raw = createModelApp(describingModel(), { inputMode: 'raw', noStackTraces: true }).app;
  const mlflow = createModelApp(describingModel(), { noStackTraces: true }).app;

  it('hands the inputs value over untouched (objects, nested lists, scalars)', async () => {
    const nested = { inputs: { a: [1, 2.5, null], b: { c: 'ü' } } };
    expect(await invoke(raw, JSON.stringify(nested))).toEqual({
      status: 200, json: { predictions: { kind: 'object', value: nested.inputs, params: null } },
    });
    expect(await invoke(raw, '{"inputs": [[1, 2], [3, 4]]}')).toEqual({
      status: 200, json: { predictions: { kind: 'list', value: [[1, 2], [3, 4]], params: null } },
    });
    expect(await invoke(raw, '{"inputs": "text"}')).toEqual({
      status: 200, json: { predictions: { kind: 'string', value: 'text', params: null } },
    });
  });

  it('the default converts the same body as MLflow does (a tensor), raw does not', async () => {
    expect((await invoke(mlflow, '{"inputs": [[1, 2], [3, 4]]}')).json).toEqual({ predictions: { kind: 'tensor', value: null, params: null } });
    expect((await invoke(raw, '{"inputs": [[1, 2], [3, 4]]}')).json).toMatchObject({ predictions: { kind: 'list' } });
  });

  it('a body without inputs is INVALID_PARAMETER_VALUE naming the mode and the keys received', async () => {
    const answer = await invoke(raw, '{"dataframe_split": {"columns": ["a"], "data": [[1]]}}');
    expect(answer.status).toBe(400);
    expect(answer.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(answer.json.message).toBe("Request payload must be a dictionary with 'inputs' key when the server runs with --input-mode raw. " +
      "Found keys in payload: dict_keys(['dataframe_split']).");
  });

  it('CSV and chat bodies keep their own paths; a signature is still enforced by predict itself', async () => {
    expect((await invoke(raw, 'a\n1\n', 'text/csv')).json).toMatchObject({ predictions: { kind: 'frame' } });
    // the chat path, answered unwrapped as MLflow does (serving.md 7)
    const chat = await invoke(raw, '{"messages": [{"role": "user", "content": "hi"}]}');
    expect(chat.json).toEqual({ kind: 'object', value: { messages: [{ role: 'user', content: 'hi' }] }, params: {} });
    // the server does not reshape; the model's own schema enforcement (MLflow's, in predict) still
    // turns records into the frame its signature asks for, and refuses what does not fit
    const signed = createModelApp(describingModel(signature), { inputMode: 'raw', noStackTraces: true }).app;
    expect((await invoke(signed, '{"inputs": [{"a": 1}]}')).json).toEqual({ predictions: { kind: 'frame', value: null, params: null } });
    const refused = await invoke(signed, '{"inputs": [{"b": 1}]}');
    expect(refused.status).toBe(400);
    expect(String(refused.json.message)).toContain("Model is missing inputs ['a']");
  });
});
