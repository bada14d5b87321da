/**
 * MLmodel files against real MLflow (2.22 and 3.x): the real-world corpus in
 * test/fixtures/real-models, models MLflow saves during the test, and models written here.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ColSpec,
  Model,
  ModelSignature,
  ParamSchema,
  ParamSpec,
  PyDateTime,
  Schema,
  TensorSpec,
  loadMlflowYaml,
  markFloat,
  type PyValue,
} from '../src/index.js';
import { encodeTagged, oracleLines, repoRoot, runOracle, type OracleResult } from '../../../test/oracle/src/index.js';

// PYFUNC_REAL_MODELS=<dir of <id>/MLmodel folders> runs these checks on another corpus
const corpusOverride = process.env.PYFUNC_REAL_MODELS;
const corpus = corpusOverride ?? join(repoRoot, 'test', 'fixtures', 'real-models');
const mlmodelFiles = readdirSync(corpus)
  .filter((entry) => statSync(join(corpus, entry)).isDirectory())
  .map((entry) => join(corpus, entry, 'MLmodel'));

function ok(result: OracleResult): Record<string, PyValue> {
  if (result.error) throw new Error(`oracle failed: ${result.error.type}: ${result.error.message}`);
  return result.ok as Record<string, PyValue>;
}

/** Tagged form with every mapping's keys sorted: for data that went through a sorted YAML file. */
function sortedTagged(value: unknown): unknown {
  const tagged = encodeTagged(value) as unknown;
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (typeof v === 'object' && v !== null && '$dict' in v) {
      const entries = (v as { $dict: [unknown, unknown][] }).$dict.map(([k, x]) => [k, sort(x)] as [unknown, unknown]);
      return { $dict: entries.sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0)) };
    }
    return v;
  };
  return sort(tagged);
}

/** MLflow fills a missing utc_time_created with "now"; leave that one key out of comparisons. */
function withoutNow(dict: Record<string, PyValue>, fileHadIt: boolean): Record<string, PyValue> {
  if (fileHadIt) return dict;
  const { utc_time_created: _dropped, ...rest } = dict;
  return rest;
}

describe('the real-model corpus', () => {
  let files: Record<string, PyValue>[] = [];
  beforeAll(async () => {
    files = (await runOracle('2', 'model.file', mlmodelFiles.map((path) => ({ path })))).map(ok);
  });

  it('has files to test', () => {
    expect(mlmodelFiles.length).toBeGreaterThanOrEqual(corpusOverride === undefined ? 30 : 1);
  });

  it('reads every file to the data yaml.safe_load gives, and writes it back', async () => {
    let byteIdentical = 0;
    for (const [index, path] of mlmodelFiles.entries()) {
      const file = files[index]!;
      if ('load_error' in file) {
        await expect(Model.load(path), path).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', path });
        continue;
      }
      const data = file.data as Record<string, PyValue>;
      let model: Model;
      try {
        model = await Model.load(path);
      } catch (error) {
        // Deliberate: a document that is not a mapping with `flavors` does not describe a model.
        expect(data === null || typeof data !== 'object' || !('flavors' in data), `${path}: ${String(error)}`).toBe(true);
        expect(error).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', path });
        continue;
      }
      expect(encodeTagged(model.toDict()), path).toEqual(encodeTagged(data));
      const yamlText = model.toYaml();
      if (file.canonical === file.text) {
        expect(yamlText, path).toBe(file.text);
        byteIdentical++;
      } else {
        // the same data as a Python dict compares it: key order aside (PyYAML writes keys sorted)
        expect(sortedTagged(loadMlflowYaml(yamlText)), path).toEqual(sortedTagged(data));
      }
    }
    if (corpusOverride === undefined) expect(byteIdentical).toBeGreaterThan(10);
  });

  describe.each(oracleLines)('against MLflow %s Model.load(...).to_dict()', (line) => {
    let loaded: OracleResult[] = [];
    beforeAll(async () => {
      loaded = await runOracle(line, 'model.load', mlmodelFiles.map((path) => ({ path })));
    });

    it('gives the same dict, YAML and JSON with toDict/toYaml/toJson({ mlflow })', async () => {
      let compared = 0;
      for (const [index, path] of mlmodelFiles.entries()) {
        const theirs = loaded[index]!;
        const ours = await Model.load(path).catch((error: unknown) => error);
        if (theirs.error) {
          expect(ours, `${path}: MLflow failed with ${theirs.error.message}`).toMatchObject({ errorCode: expect.any(String) });
          continue;
        }
        if (!(ours instanceof Model)) continue; // deliberate: see the corpus test above
        const hadUtc = 'utc_time_created' in ours.toDict();
        const theirDict = theirs.ok as Record<string, PyValue>;
        const mine = ours.toDict({ mlflow: line });
        expect(encodeTagged(withoutNow(mine, hadUtc)), path).toEqual(encodeTagged(withoutNow(theirDict.to_dict as Record<string, PyValue>, hadUtc)));
        if (hadUtc) {
          expect(ours.toYaml({ mlflow: line }), path).toBe(theirDict.to_yaml);
          if (typeof theirDict.to_json === 'string') expect(ours.toJson({ mlflow: line }), path).toBe(theirDict.to_json);
        }
        compared++;
      }
      if (corpusOverride === undefined) expect(compared).toBeGreaterThan(25);
    });
  });
});

describe.each(oracleLines)('models saved by MLflow %s', (line) => {
  const dir = mkdtempSync(join(tmpdir(), `pyfunc-saved-${line}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let saved: Record<string, string> = {};
  beforeAll(async () => {
    saved = ok((await runOracle(line, 'model.save_examples', [{ dir }]))[0]!) as Record<string, string>;
  });

  it('load and write back byte for byte', async () => {
    const names = Object.keys(saved);
    expect(names.length).toBe(3);
    const files = (await runOracle(line, 'model.file', names.map((name) => ({ path: join(saved[name]!, 'MLmodel') })))).map(ok);
    for (const [index, name] of names.entries()) {
      const model = await Model.load(saved[name]!);
      expect(model.toYaml(), name).toBe(files[index]!.text);
      expect(model.toYaml({ mlflow: line }), name).toBe(files[index]!.text);
      expect(model.signature, name).toBeInstanceOf(ModelSignature);
      expect(model.savedInputExampleInfo?.artifact_path, name).toBe('input_example.json');
    }
  });
});

describe.each(oracleLines)('models written here, read by MLflow %s', (line) => {
  const dir = mkdtempSync(join(tmpdir(), `pyfunc-written-${line}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function newModels(): Model[] {
    const metadata: Record<string, PyValue> = { team: 'çödé 日本語 😀', ratio: 1, long: 'word '.repeat(40).trim() };
    markFloat(metadata, 'ratio');
    return [
      new Model({
        flavors: { python_function: { loader_module: 'mlflow.pyfunc.model', python_version: '3.11.7', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' } } },
        signature: new ModelSignature({
          inputs: new Schema([new ColSpec('double', 'sepal length (cm)'), new ColSpec('string', 'species', false)]),
          outputs: new Schema([new TensorSpec('int64', [-1])]),
          params: new ParamSchema([new ParamSpec('temperature', 'double', 0.5)]),
        }),
        metadata,
        modelSizeBytes: 1234,
        utcTimeCreated: new PyDateTime(2024, 1, 12, 5, 17, 31, 634689),
      }),
      new Model({ flavors: {}, utcTimeCreated: '2024-01-12 05:17:31', runId: 'a'.repeat(32), artifactPath: 'model', extra: { foo: { bar: 1 } } }),
    ];
  }

  it('MLflow reads the same model and writes the same bytes', async () => {
    const models = newModels();
    const paths = await Promise.all(models.map((model, index) => model.save(join(dir, `m${index}`))));
    const loaded = (await runOracle(line, 'model.load', paths.map((path) => ({ path })))).map(ok);
    for (const [index, model] of models.entries()) {
      expect(sortedTagged(loaded[index]!.to_dict)).toEqual(sortedTagged(model.toDict({ mlflow: line })));
      expect(loaded[index]!.to_yaml).toBe(model.toYaml({ mlflow: line }));
      if (line === '2') expect(loaded[index]!.to_yaml).toBe(model.toYaml());
    }
  });
});
