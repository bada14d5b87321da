import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Argument, Command } from 'commander';
import { MlflowException, writeFileAtomic, type Logger } from '@pyfunc/format';
import type { CliContext } from '../context.js';
import { loadEnvironmentApi, type EnvironmentApi, type RequirementApi } from '../environment-api.js';
import { localModelDir, loggerFor } from '../options.js';

interface UpdateOptions {
  modelUri: string;
  dryRun?: boolean;
}

/** Python's repr of a str. */
function pyStr(text: string): string {
  return text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

type Line = { kind: 'req'; req: RequirementApi } | { kind: 'raw'; text: string };

/** Requirement lines parsed; lines that are not requirements (`-r`, `-c`, options) kept verbatim (MLflow crashes on them). */
function parseLines(api: EnvironmentApi, lines: string[]): Line[] {
  const out: Line[] = [];
  for (const raw of lines) {
    const text = raw.trim();
    if (text === '') continue;
    try {
      out.push({ kind: 'req', req: api.parseRequirement(text) });
    } catch {
      out.push({ kind: 'raw', text: raw });
    }
  }
  return out;
}

/**
 * MLflow's `_add_or_overwrite_requirements` / `_remove_requirements` over one file's lines:
 * keyed by the name as written, replaced in place, new names appended, everything re-rendered.
 */
export function editRequirements(api: EnvironmentApi, lines: string[], operation: 'add' | 'remove', changes: RequirementApi[], logger: Logger): string[] {
  const entries = parseLines(api, lines);
  const keyed = new Map<string, string>();
  const order: ({ key: string } | { raw: string })[] = [];
  for (const entry of entries) {
    if (entry.kind === 'raw') order.push({ raw: entry.text });
    else {
      if (!keyed.has(entry.req.name)) order.push({ key: entry.req.name });
      keyed.set(entry.req.name, entry.req.toString());
    }
  }
  if (operation === 'add') {
    const deduped = api.deduplicateRequirements(changes.map((req) => req.toString())).map((text) => api.parseRequirement(text));
    for (const req of deduped) {
      if (!keyed.has(req.name)) order.push({ key: req.name });
      keyed.set(req.name, req.toString());
    }
  } else {
    for (const req of changes) {
      if (!keyed.has(req.name)) logger.warn({}, `"${req.name}" not found in requirements, ignoring`);
      keyed.delete(req.name);
    }
  }
  return order.flatMap((item) => ('raw' in item ? [item.raw] : keyed.has(item.key) ? [keyed.get(item.key)!] : []));
}

async function run(context: CliContext, logger: Logger, modelUri: string, operation: string, requirementStrings: string[], dryRun: boolean): Promise<void> {
  if (operation !== 'add' && operation !== 'remove') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid operation '${operation}': expected add or remove.`);
  }
  if (modelUri.startsWith('models:/')) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      'This API does not support modifying model requirements for models from the model registry (models:/ URIs): registry artifacts are immutable.');
  }
  const dir = await localModelDir(modelUri);
  const api = await loadEnvironmentApi();
  const changes: RequirementApi[] = [];
  const invalid: string[] = [];
  for (const text of requirementStrings) {
    try {
      changes.push(api.parseRequirement(text.trim().toLowerCase()));
    } catch (error) {
      invalid.push(`${pyStr(text)}: InvalidRequirement(${pyStr(error instanceof Error ? error.message : String(error))})`);
    }
  }
  if (invalid.length > 0) throw new MlflowException('INVALID_PARAMETER_VALUE', `Found invalid requirements: {${invalid.join(', ')}}`);
  const requirementsPath = join(dir, 'requirements.txt');
  const condaPath = join(dir, 'conda.yaml');
  const requirementsText = await readFile(requirementsPath, 'utf8').catch(() => undefined);
  const condaText = await readFile(condaPath, 'utf8').catch(() => undefined);
  if (requirementsText === undefined && condaText === undefined) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The model at ${dir} has neither requirements.txt nor conda.yaml.`);
  }
  const writes: [string, string][] = [];
  if (requirementsText !== undefined) {
    writes.push([requirementsPath, editRequirements(api, requirementsText.split(/\r?\n/), operation, changes, logger).join('\n')]);
  }
  if (condaText !== undefined) {
    const conda = api.parseCondaEnv(condaText, { path: condaPath });
    const pip = editRequirements(api, api.getPipDeps(conda, condaPath), operation, changes, logger);
    writes.push([condaPath, api.dumpCondaEnv(api.overwritePipDeps(conda, pip))]);
  }
  for (const [path, text] of writes) {
    if (dryRun) context.stdout.write(`--- ${path}\n${text}${text.endsWith('\n') ? '' : '\n'}`);
    else await writeFileAtomic(path, text);
  }
  if (!dryRun) logger.info({}, `Updated ${writes.map(([path]) => path).join(' and ')}`);
}

/** `pyfunc update-pip-requirements -m <model> {add|remove} [REQ ...]` (serving.md 10.6). */
export function updatePipRequirementsCommand(context: CliContext): Command {
  return new Command('update-pip-requirements')
    .description("Add or remove requirements in a model's requirements.txt and conda.yaml")
    .requiredOption('-m, --model-uri <uri>', 'model directory or file: URI (not models:/)')
    .addArgument(new Argument('<operation>', 'add or remove').choices(['add', 'remove']))
    .argument('[requirements...]', 'requirement strings (add) or package names (remove)')
    .option('--dry-run', 'print the new files instead of writing them')
    .action(async (operation: string, requirements: string[], options: UpdateOptions, command: Command) => {
      await run(context, loggerFor(context, command), options.modelUri, operation, requirements, options.dryRun === true);
    });
}

/** `pyfunc requirements add|remove -m <model> REQ...`: the same as update-pip-requirements. */
export function requirementsCommand(context: CliContext): Command {
  const group = new Command('requirements').description("Edit a model's pip requirements");
  for (const operation of ['add', 'remove'] as const) {
    group.addCommand(new Command(operation)
      .description(operation === 'add' ? 'add or overwrite requirements' : 'remove packages by name')
      .requiredOption('-m, --model-uri <uri>', 'model directory or file: URI (not models:/)')
      .argument('<requirements...>', operation === 'add' ? 'requirement strings' : 'package names')
      .option('--dry-run', 'print the new files instead of writing them')
      .helpOption('--help', 'show help')
      .exitOverride()
      .action(async (requirements: string[], options: UpdateOptions, command: Command) => {
        await run(context, loggerFor(context, command), options.modelUri, operation, requirements, options.dryRun === true);
      }));
  }
  return group;
}
