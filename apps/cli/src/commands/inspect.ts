import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { Model, parsePythonJson, dumpsPythonJson, type PyValue } from '@pyfunc/format';
import type { CliContext } from '../context.js';

interface InspectOptions {
  modelUri: string;
  json?: boolean;
}

/** `pyfunc inspect -m <model>`: flavors, signature, input example, environment files, size. */
export function inspectCommand(context: CliContext): Command {
  return new Command('inspect')
    .description("Show a model's flavors, signature, input example and environment files")
    .requiredOption('-m, --model-uri <uri>', 'model directory or MLmodel file')
    .option('--json', 'print one JSON document instead of text')
    .action(async (options: InspectOptions) => {
      const summary = await inspectModel(options.modelUri);
      context.stdout.write(options.json ? `${JSON.stringify(summary, jsonReplacer, 2)}\n` : formatSummary(summary));
    });
}

/** What `inspect` reports about a model. */
export interface ModelSummary {
  path: string;
  mlflow_version: string | null;
  utc_time_created: string | null;
  model_uuid: string | null;
  run_id: string | null;
  model_size_bytes: number | null;
  flavors: Record<string, unknown>;
  signature: { inputs: unknown; outputs: unknown; params: unknown } | null;
  input_example: { info: Record<string, unknown>; data: unknown; serving?: unknown } | null;
  environment: Record<string, string>;
  metadata: Record<string, unknown> | null;
}

async function inspectModel(modelUri: string): Promise<ModelSummary> {
  const model = await Model.load(modelUri);
  const dir = modelUri.endsWith('MLmodel') ? join(modelUri, '..') : modelUri;
  const signature = model.signature?.toDict();
  const parse = (text: string | null) => (text === null ? null : parsePythonJson(text));
  const info = model.savedInputExampleInfo;
  let inputExample: ModelSummary['input_example'] = null;
  if (info !== undefined) {
    const read = async (name: string | undefined) =>
      name === undefined ? undefined : readFile(join(dir, name), 'utf8').then((text) => parsePythonJson(text)).catch(() => undefined);
    inputExample = { info: { ...info }, data: await read(info.artifact_path) };
    const serving = await read(info.serving_input_path);
    if (serving !== undefined) inputExample.serving = serving;
  }
  const environment: Record<string, string> = {};
  for (const name of ['requirements.txt', 'python_env.yaml', 'conda.yaml', 'constraints.txt']) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) environment[name] = text;
  }
  return {
    path: dir,
    mlflow_version: model.mlflowVersion ?? null,
    utc_time_created: model.utcTimeCreated ?? null,
    model_uuid: model.modelUuid ?? null,
    run_id: model.runId ?? null,
    model_size_bytes: model.modelSizeBytes ?? null,
    flavors: model.flavors,
    signature: signature === undefined ? null
      : { inputs: parse(signature.inputs), outputs: parse(signature.outputs), params: parse(signature.params) },
    input_example: inputExample,
    environment,
    metadata: model.metadata ?? null,
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function formatSummary(summary: ModelSummary): string {
  const lines: string[] = [`Model: ${summary.path}`];
  const facts = [
    summary.mlflow_version && `mlflow ${summary.mlflow_version}`,
    summary.utc_time_created && `created ${summary.utc_time_created}`,
    summary.model_size_bytes !== null && `${summary.model_size_bytes} bytes`,
    summary.run_id && `run ${summary.run_id}`,
  ].filter(Boolean);
  if (facts.length > 0) lines.push(`  ${facts.join(', ')}`);
  lines.push('', 'Flavors:');
  for (const [name, config] of Object.entries(summary.flavors)) {
    lines.push(`  ${name}`);
    for (const [key, value] of Object.entries((config ?? {}) as Record<string, unknown>)) {
      lines.push(`    ${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value, jsonReplacer) : String(value)}`);
    }
  }
  lines.push('', 'Signature:');
  if (summary.signature === null) lines.push('  (none)');
  else {
    for (const part of ['inputs', 'outputs', 'params'] as const) {
      const specs = summary.signature[part] as PyValue;
      lines.push(`  ${part}:${Array.isArray(specs) ? '' : ' (none)'}`);
      if (Array.isArray(specs)) for (const spec of specs) lines.push(`    ${describeSpec(spec)}`);
    }
  }
  lines.push('', 'Input example:');
  if (summary.input_example === null) lines.push('  (none)');
  else {
    const { info, data } = summary.input_example;
    lines.push(`  ${String(info.artifact_path)} (${String(info.type)})`);
    if (data !== undefined) lines.push(`  ${dumpsPythonJson(data)}`);
  }
  const files = Object.keys(summary.environment);
  lines.push('', `Environment: ${files.length > 0 ? files.join(', ') : '(no files)'}`);
  const requirements = summary.environment['requirements.txt'];
  if (requirements !== undefined) for (const line of requirements.split('\n')) if (line.trim()) lines.push(`  ${line}`);
  return `${lines.join('\n')}\n`;
}

function describeSpec(spec: PyValue): string {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return String(spec);
  const s = spec as Record<string, PyValue>;
  if (s.type === 'tensor') {
    const tensor = s['tensor-spec'] as Record<string, PyValue>;
    const shape = Array.isArray(tensor.shape) ? `(${tensor.shape.join(', ')})` : '';
    return `${s.name === undefined ? '' : `${String(s.name)}: `}tensor ${String(tensor.dtype)} ${shape}`;
  }
  if ('default' in s) {
    return `${String(s.name)}: ${String(s.type)}${s.shape ? ` ${JSON.stringify(s.shape)}` : ''} = ${dumpsPythonJson(s.default ?? null)}`;
  }
  const name = s.name === undefined ? '' : `${String(s.name)}: `;
  const type = s.type === 'array' || s.type === 'object' || s.type === 'map'
    ? dumpsPythonJson(Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'name' && k !== 'required')))
    : String(s.type);
  return `${name}${type}${s.required === false ? ' (optional)' : ''}`;
}
