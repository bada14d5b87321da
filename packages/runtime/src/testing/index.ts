/**
 * The conformance suite of flavor backends, published as `@pyfunc/runtime/test`. A backend
 * package calls {@link describeBackendConformance} in its tests with a model saved by the
 * reference (usually real MLflow) and the reference's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBackend, type FlavorBackendV1 } from '../backend-registry.js';
import { loadModel } from '../load-model.js';
import type { PyFuncModel } from '../py-func-model.js';

/** What a backend's tests provide to the suite. */
export interface BackendFixture {
  /** The backend under test; registered by the suite. */
  backend: FlavorBackendV1;
  /** A model directory the backend loads, saved by the reference. */
  modelDir: string;
  /** An input the model accepts. */
  input: unknown;
  /** The reference's answer to `input`. */
  expected: unknown;
  /** Params for `input`, if the model takes any. */
  params?: Record<string, unknown>;
  /** An input that breaks the model's signature (default: a frame with an unknown column). */
  badInput?: unknown;
  /** What streaming `input` yields, for streamable models; undefined skips the stream checks. */
  expectedStream?: unknown[];
  /** Normalizes a prediction before comparison (e.g. a frame to records). */
  normalize?: (prediction: unknown) => unknown;
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/**
 * Declares the conformance tests of one backend: it predicts what the reference predicted,
 * rejects input that breaks the signature with INVALID_PARAMETER_VALUE, serves concurrent calls,
 * streams (when the fixture says what to expect) and closes.
 */
export function describeBackendConformance(name: string, factory: () => Promise<BackendFixture>): void {
  describe(`${name} backend conformance`, () => {
    let fixture: BackendFixture;
    let model: PyFuncModel;
    const normalize = (value: unknown) => (fixture.normalize ? fixture.normalize(value) : value);
    beforeAll(async () => {
      fixture = await factory();
      registerBackend(fixture.backend);
      model = await loadModel(fixture.modelDir);
    });
    afterAll(async () => {
      await model?.close();
    });

    it('loads through the registry under its flavor', () => {
      expect(model.flavorName).toBe(fixture.backend.flavorName);
    });

    it('predicts what the reference predicted', async () => {
      expect(normalize(await model.predict(fixture.input, fixture.params))).toStrictEqual(fixture.expected);
    });

    it('rejects input that breaks the signature', async () => {
      await expect(model.predict(fixture.badInput ?? { no_such_column: [1] }, fixture.params))
        .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    });

    it('serves concurrent calls with the same answers', async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, () => model.predict(fixture.input, fixture.params)));
      for (const answer of answers) expect(normalize(answer)).toStrictEqual(fixture.expected);
    });

    it('streams what the reference streamed, lazily', async () => {
      if (fixture.expectedStream === undefined) return;
      const stream = model.predictStream(fixture.input, fixture.params);
      expect(await collect(stream)).toStrictEqual(fixture.expectedStream);
    });

    it('refuses to predict once closed', async () => {
      const other = await loadModel(fixture.modelDir);
      await other.close();
      await other.close();
      await expect(other.predict(fixture.input)).rejects.toMatchObject({ errorCode: 'INVALID_STATE' });
    });
  });
}
