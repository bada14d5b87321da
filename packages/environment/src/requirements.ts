/**
 * requirements.txt / constraints.txt: MLflow's simplified pip parser (`_parse_requirements`,
 * environment.md 4.2), the writer (4.1), and a strict validation mode for files read from a
 * model directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { MlflowException, writeFileAtomic } from '@pyfunc/format';
import { Requirement } from './requirement.js';

/** `requirements.txt` */
export const REQUIREMENTS_FILE_NAME = 'requirements.txt';
/** `constraints.txt` */
export const CONSTRAINTS_FILE_NAME = 'constraints.txt';

/** One yielded line: MLflow's `_Requirement(req_str, is_constraint)`, plus where it came from. */
export interface ParsedRequirement {
  reqStr: string;
  isConstraint: boolean;
  /** The file (undefined for an in-memory list) and the 1-based line the item starts on. */
  source?: { path: string | undefined; line: number };
}

/** Options of {@link parseRequirements}. */
export interface ParseRequirementsOptions {
  /** Whether the lines are constraints (`-c` files). Default `false`. */
  isConstraint?: boolean;
  /** Resolve `-r`/`-c` references against this directory (default: the file's directory, or the cwd for a list). */
  baseDir?: string;
  /**
   * When set, `-r`/`-c` references must stay inside this directory (e.g. the model directory):
   * a reference escaping it is refused with INVALID_PARAMETER_VALUE. MLflow does not check this.
   */
  confineTo?: string;
  /**
   * Refuse lines that pip would take but that cannot be restored reproducibly or are malformed:
   * per-requirement options (`--hash=...`), option lines (`--index-url`, `-e`, ...) and lines
   * that start like a requirement but do not parse. Off by default (MLflow keeps them verbatim).
   */
  strict?: boolean;
}

function stripInlineComment(line: string): string {
  const index = line.indexOf(' #');
  return index === -1 ? line : line.slice(0, index).trimEnd();
}

/** Python's `str.strip()` whitespace. */
function pyStrip(text: string): string {
  return text.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');
}

/** Python's `str.splitlines()`. */
export function pySplitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function pyRstripBackslashes(text: string): string {
  return text.replace(/\\+$/, '');
}

const optionLine = /^-/;

function checkStrict(line: string, path: string | undefined, lineNumber: number): void {
  const where = `${path ?? '<requirements>'}, line ${lineNumber}`;
  if (/(^|\s)--?[A-Za-z]/.test(line) && !optionLine.test(line)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Unsupported per-requirement option in ${where}: '${line}'. Options such as --hash are not supported in model requirements.`,
      { path });
  }
  if (optionLine.test(line)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Unsupported option line in ${where}: '${line}'. Only requirements and -r/-c references are supported.`, { path });
  }
  if (/^[A-Za-z0-9]/.test(line) && !/^[A-Za-z0-9+.-]+:\/\//.test(line) && !Requirement.isValid(line)) {
    let reason = '';
    try {
      new Requirement(line);
    } catch (error) {
      reason = (error as Error).message.replace(/^Invalid requirement '[^\n]*': /, '');
    }
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid requirement in ${where}: '${line}': ${reason.split('\n')[0]}`, { path });
  }
}

function readLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MlflowException(code === 'ENOENT' ? 'RESOURCE_DOES_NOT_EXIST' : 'INVALID_PARAMETER_VALUE',
      code === 'ENOENT' ? `[Errno 2] No such file or directory: '${path}'` : `Could not read requirements file '${path}' (${code ?? 'error'})`,
      { path, cause: error });
  }
  return pySplitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

function* parseLines(lines: readonly string[], isConstraint: boolean, baseDir: string, path: string | undefined,
  options: ParseRequirementsOptions, depth: number): Generator<ParsedRequirement> {
  if (depth > 50) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Requirements files reference each other too deeply (at ${path ?? '<requirements>'})`, { path });
  }
  // strip, drop inline comments, join continuations, drop comments and blanks
  const joined: Array<{ text: string; line: number }> = [];
  let pending: string[] = [];
  let start = 0;
  lines.forEach((raw, index) => {
    const line = stripInlineComment(pyStrip(raw));
    if (pending.length === 0) start = index + 1;
    if (line.endsWith('\\')) {
      pending.push(pyRstripBackslashes(line));
    } else {
      pending.push(line);
      joined.push({ text: pending.join(''), line: start });
      pending = [];
    }
  });
  if (pending.length > 0) joined.push({ text: pending.join(''), line: start });
  for (const { text, line } of joined) {
    if (text.startsWith('#') || text === '') continue;
    const isRequirementsRef = text.startsWith('-r ') || text.startsWith('--requirement ');
    const isConstraintsRef = text.startsWith('-c ') || text.startsWith('--constraint ');
    if (isRequirementsRef || isConstraintsRef) {
      const target = text.replace(/^\S+[\s\x1c-\x1f\x85]+/u, '');
      const absolute = isAbsolute(target) ? target : join(baseDir, target);
      if (options.confineTo !== undefined) {
        const inside = relative(resolve(options.confineTo), resolve(absolute));
        if (inside.startsWith('..') || isAbsolute(inside)) {
          throw new MlflowException('INVALID_PARAMETER_VALUE',
            `'${text}' in ${path ?? '<requirements>'}, line ${line} references a file outside the model directory: ${absolute}`, { path });
        }
      }
      const nested = readLines(absolute);
      yield* parseLines(nested, isConstraintsRef, dirname(absolute), absolute, options, depth + 1);
      continue;
    }
    if (options.strict === true) checkStrict(text, path, line);
    yield { reqStr: text, isConstraint, source: { path, line } };
  }
}

/**
 * Parses requirements as MLflow's `_parse_requirements`: strips lines and ` #` comments, joins
 * `\` continuations, drops comments and blanks, expands `-r`/`--requirement` and
 * `-c`/`--constraint` references (with a space), and yields every other line verbatim.
 *
 * @param requirements - a file path (its directory is the base) or a list of lines (the base is
 *   the working directory unless `baseDir` is given).
 * @returns the items, in order.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST naming a missing file;
 *   INVALID_PARAMETER_VALUE for a reference escaping `confineTo`, and in `strict` mode for
 *   malformed or option lines, naming the file and line.
 */
export function parseRequirements(requirements: string | readonly string[], options: ParseRequirementsOptions = {}): ParsedRequirement[] {
  const isConstraint = options.isConstraint ?? false;
  if (typeof requirements === 'string') {
    const lines = readLines(requirements);
    const baseDir = options.baseDir ?? dirname(requirements);
    return [...parseLines(lines, isConstraint, baseDir, requirements, options, 0)];
  }
  return [...parseLines(requirements, isConstraint, options.baseDir ?? process.cwd(), undefined, options, 0)];
}

/** The text MLflow writes for a requirements or constraints file: lines joined by `\n`, no trailing newline. */
export function formatRequirementsFile(lines: readonly string[]): string {
  return lines.join('\n');
}

/**
 * Writes `requirements.txt` (or another name) atomically, as MLflow does.
 * @throws {MlflowException} IO_ERROR when the file cannot be written.
 */
export async function writeRequirementsFile(path: string, lines: readonly string[]): Promise<void> {
  await writeFileAtomic(path, formatRequirementsFile(lines));
}

/**
 * Reads a model's requirement file into lines with MLflow's parser (base: the file's directory).
 * @throws {MlflowException} as {@link parseRequirements}.
 */
export function readRequirementsFile(path: string, options: Omit<ParseRequirementsOptions, 'baseDir'> = {}): ParsedRequirement[] {
  return parseRequirements(path, options);
}
