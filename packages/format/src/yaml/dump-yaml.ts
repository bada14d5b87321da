/**
 * YAML writer in MLflow's dialect: the bytes of PyYAML's
 * `yaml.safe_dump(value, default_flow_style=False, sort_keys=..., allow_unicode=...)`.
 *
 * A port of the *rules* of PyYAML's SafeRepresenter, Serializer and Emitter, specialised to
 * block style: scalar analysis, style choice (plain, single-quoted, double-quoted, literal for
 * `!!binary`), line folding at width 80, indentation, anchors for objects met twice. Columns
 * count Unicode code points, as Python does.
 */
import { MlflowException } from '../mlflow-exception.js';
import {
  PyDate,
  PyDateTime,
  compareCodePoints,
  formatPythonFloat,
  isPlainObject,
  isPyFloat,
} from '../py-values.js';
import { resolvePlainScalarTag } from './resolve-scalar.js';

/** Options of {@link dumpMlflowYaml}; the defaults are `yaml.safe_dump`'s. */
export interface DumpMlflowYamlOptions {
  /** Sort mapping keys by code point (Python's `sort_keys`). Default `true`. */
  sortKeys?: boolean;
  /** Write non-ASCII printable characters as they are (Python's `allow_unicode`). Default `false`. */
  allowUnicode?: boolean;
}

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

/** Result of PyYAML's `analyze_scalar`, reduced to what block-style emission reads. */
interface ScalarAnalysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowBlock: boolean;
  /** The scalar holds a surrogate pair: column counts need code points, not code units. */
  astral: boolean;
  /** Length in code points. */
  length: number;
}

/** A scalar ready for the emitter: its text, its tag suffix (`str`, `int`, ...) and style. */
interface ScalarItem {
  text: string;
  tag: string;
  /** The representer's style: '' none, '|' literal (binary). */
  requestedStyle: '' | '|';
}

function scalar(text: string, tag: string, requestedStyle: '' | '|' = ''): ScalarItem {
  return { text, tag, requestedStyle };
}

function isBreak(code: number): boolean {
  return code === 0x0a || code === 0x85 || code === 0x2028 || code === 0x2029;
}

function isBlankOrBreakOrNul(code: number): boolean {
  return code === 0x00 || code === 0x20 || code === 0x09 || code === 0x0d || isBreak(code);
}

function codePointLength(text: string): number {
  let length = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xdc00 && code <= 0xdfff && index > 0) {
      const previous = text.charCodeAt(index - 1);
      if (previous >= 0xd800 && previous <= 0xdbff) length--;
    }
  }
  return length;
}

function analyzeScalar(scalar: string, allowUnicode: boolean): ScalarAnalysis {
  const length = scalar.length;
  if (length === 0) {
    return { empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true,
      allowBlock: false, astral: false, length: 0 };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let astral = false;
  let codePoints = 0;
  if (scalar.startsWith('---') || scalar.startsWith('...')) blockIndicators = true;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < length; index++) {
    const code = scalar.charCodeAt(index);
    codePoints++;
    const followedByWhitespace = index + 1 >= length ||
      isBlankOrBreakOrNul(scalar.charCodeAt(index + 1));
    if (index === 0) {
      switch (code) {
        case 0x23: case 0x2c: case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x26: case 0x2a:
        case 0x21: case 0x7c: case 0x3e: case 0x27: case 0x22: case 0x25: case 0x40: case 0x60:
          blockIndicators = true; // # , [ ] { } & * ! | > ' " % @ `
          break;
        case 0x3f: case 0x3a: // ? :
          if (followedByWhitespace) blockIndicators = true;
          break;
        case 0x2d: // -
          if (followedByWhitespace) blockIndicators = true;
          break;
        default:
      }
    } else if ((code === 0x3a && followedByWhitespace) || (code === 0x23 && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (isBreak(code)) lineBreaks = true;
    if (!(code === 0x0a || (code >= 0x20 && code <= 0x7e))) {
      let unicode = code === 0x85 || (code >= 0xa0 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff);
      if (code >= 0xd800 && code <= 0xdbff && index + 1 < length) {
        const low = scalar.charCodeAt(index + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          const point = ((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          unicode = point < 0x10ffff;
          astral = true;
          index++; // the pair is one character; neither half is an indicator or a space
        }
      }
      if (!unicode || !allowUnicode) specialCharacters = true;
    }
    if (code === 0x20) {
      if (index === 0) leadingSpace = true;
      if (index === length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(code)) {
      if (index === 0) leadingBreak = true;
      if (index === length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankOrBreakOrNul(code);
  }
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  let allowBlock = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowBlockPlain = false;
  if (trailingSpace) allowBlock = false;
  if (breakSpace) allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || specialCharacters) allowBlockPlain = allowSingleQuoted = allowBlock = false;
  if (lineBreaks) allowBlockPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted, allowBlock,
    astral, length: codePoints };
}

const escapeReplacements: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r',
  0x1b: 'e', 0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

function hex(value: number, width: number): string {
  return value.toString(16).toUpperCase().padStart(width, '0');
}

/** Python's `base64.encodebytes`: lines of 76 characters, each ending in `\n`. */
function encodeBase64Lines(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let out = '';
  for (let index = 0; index < text.length; index += 76) out += `${text.slice(index, index + 76)}\n`;
  return out;
}

type Context = { root: boolean; sequence: boolean; mapping: boolean; simpleKey: boolean };

const ROOT: Context = { root: true, sequence: false, mapping: false, simpleKey: false };
const IN_SEQUENCE: Context = { root: false, sequence: true, mapping: false, simpleKey: false };
const IN_MAPPING: Context = { root: false, sequence: false, mapping: true, simpleKey: false };
const AS_SIMPLE_KEY: Context = { root: false, sequence: false, mapping: true, simpleKey: true };

/** The block-style emitter state (PyYAML's `Emitter` fields that matter for this dialect). */
class Emitter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  openEnded = false;
  indent: number | null = null;
  readonly indents: (number | null)[] = [];
  /** Objects met more than once, with their anchor once assigned (`id001`, ...). */
  readonly anchors = new Map<object, string | null>();
  readonly serialized = new Set<object>();
  readonly sortKeys: boolean;
  readonly allowUnicode: boolean;

  constructor(options: DumpMlflowYamlOptions) {
    this.sortKeys = options.sortKeys ?? true;
    this.allowUnicode = options.allowUnicode ?? false;
  }

  // --- primitive writers -------------------------------------------------------------------

  writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false,
    indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += data.length;
    this.openEnded = false;
    this.out += data;
  }

  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.out += ' '.repeat(indent - this.column);
      this.column = indent;
    }
  }

  writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out += data;
  }

  increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  // --- scalars -----------------------------------------------------------------------------

  /** Writes `text[start, end)`, advancing the column by its code points. */
  writeRun(text: string, start: number, end: number, astral: boolean): void {
    const data = text.slice(start, end);
    this.column += astral ? codePointLength(data) : data.length;
    this.out += data;
  }

  writePlain(text: string, split: boolean, astral: boolean, root: boolean): void {
    if (root) this.openEnded = true;
    if (text.length === 0) return;
    if (!this.whitespace) {
      this.column += 1;
      this.out += ' ';
    }
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    const length = text.length;
    for (let end = 0; end <= length; end++) {
      const code = end < length ? text.charCodeAt(end) : -1;
      if (spaces) {
        if (code !== 0x20) {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.writeRun(text, start, end, astral);
          }
          start = end;
        }
      } else if (code === -1 || code === 0x20) {
        this.writeRun(text, start, end, astral);
        start = end;
      }
      spaces = code === 0x20;
    }
  }

  writeSingleQuoted(text: string, split: boolean, astral: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    const length = text.length;
    for (let end = 0; end <= length; end++) {
      const code = end < length ? text.charCodeAt(end) : -1;
      if (spaces) {
        if (code !== 0x20) {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 &&
            end !== length) {
            this.writeIndent();
          } else {
            this.writeRun(text, start, end, astral);
          }
          start = end;
        }
      } else if (breaks) {
        if (code === -1 || !isBreak(code)) {
          if (text.charCodeAt(start) === 0x0a) this.writeLineBreak();
          for (let index = start; index < end; index++) {
            const br = text[index]!;
            this.writeLineBreak(br);
          }
          this.writeIndent();
          start = end;
        }
      } else if (code === -1 || code === 0x20 || isBreak(code) || code === 0x27) {
        if (start < end) {
          this.writeRun(text, start, end, astral);
          start = end;
        }
      }
      if (code === 0x27) {
        this.column += 2;
        this.out += "''";
        start = end + 1;
      }
      if (code !== -1) {
        spaces = code === 0x20;
        breaks = isBreak(code);
      }
    }
    this.writeIndicator("'", false);
  }

  writeDoubleQuoted(text: string, split: boolean, codePoints: number): void {
    this.writeIndicator('"', true);
    const allowUnicode = this.allowUnicode;
    const length = text.length;
    let start = 0;
    let point = 0; // index of `end` in code points
    for (let end = 0; end <= length; end++, point++) {
      const code = end < length ? text.charCodeAt(end) : -1;
      let width = 1; // code units of the character at `end`
      if (code === -1 || code === 0x22 || code === 0x5c || code === 0x85 || code === 0x2028 ||
        code === 0x2029 || code === 0xfeff ||
        !((code >= 0x20 && code <= 0x7e) ||
          (allowUnicode && ((code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd))))) {
        if (start < end) {
          this.column += end - start; // only BMP non-surrogates are ever left unescaped
          this.out += text.slice(start, end);
          start = end;
        }
        if (code !== -1) {
          let character = code;
          if (code >= 0xd800 && code <= 0xdbff && end + 1 < length) {
            const low = text.charCodeAt(end + 1);
            if (low >= 0xdc00 && low <= 0xdfff) {
              character = ((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
              width = 2;
            }
          }
          const replacement = escapeReplacements[character];
          let data: string;
          if (replacement !== undefined) data = `\\${replacement}`;
          else if (character <= 0xff) data = `\\x${hex(character, 2)}`;
          else if (character <= 0xffff) data = `\\u${hex(character, 4)}`;
          else data = `\\U${hex(character, 8)}`;
          this.column += data.length;
          this.out += data;
          start = end + width;
        }
      }
      // the pending run in code points; -1 right after an escape, as in Python
      const pending = start > end ? -1 : end - start;
      if (point > 0 && point < codePoints - 1 && (code === 0x20 || start >= end) &&
        this.column + pending > BEST_WIDTH && split) {
        const data = `${text.slice(start, end)}\\`;
        if (start < end) start = end;
        this.column += data.length;
        this.out += data;
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text.charCodeAt(start) === 0x20) {
          this.column += 1;
          this.out += '\\';
        }
      }
      end += width - 1;
    }
    this.writeIndicator('"', false);
  }

  writeLiteral(text: string): void {
    let hints = '';
    const first = text.charCodeAt(0);
    if (first === 0x20 || isBreak(first)) hints += String(BEST_INDENT);
    const last = text.charCodeAt(text.length - 1);
    if (!isBreak(last)) hints += '-';
    else if (text.length === 1 || isBreak(text.charCodeAt(text.length - 2))) hints += '+';
    this.writeIndicator(`|${hints}`, true);
    if (hints.endsWith('+')) this.openEnded = true;
    this.writeLineBreak();
    let breaks = true;
    let start = 0;
    const length = text.length;
    for (let end = 0; end <= length; end++) {
      const code = end < length ? text.charCodeAt(end) : -1;
      if (breaks) {
        if (code === -1 || !isBreak(code)) {
          for (let index = start; index < end; index++) this.writeLineBreak(text[index]!);
          if (code !== -1) this.writeIndent();
          start = end;
        }
      } else if (code === -1 || isBreak(code)) {
        this.out += text.slice(start, end);
        if (code === -1) this.writeLineBreak();
        start = end;
      }
      if (code !== -1) breaks = isBreak(code);
    }
  }

  emitScalar(item: ScalarItem, analysis: ScalarAnalysis, context: Context): void {
    // the serializer's implicit flags: would the text resolve to the tag plain / quoted?
    const plainImplicit = resolvePlainScalarTag(item.text) === item.tag;
    const quotedImplicit = item.tag === 'str';
    // choose_scalar_style
    let style: '' | "'" | '"' | '|';
    if (item.requestedStyle === '' && plainImplicit &&
      !(context.simpleKey && (analysis.empty || analysis.multiline)) && analysis.allowBlockPlain) {
      style = '';
    } else if (item.requestedStyle === '|' && !context.simpleKey && analysis.allowBlock) {
      style = '|';
    } else if (item.requestedStyle === '' && analysis.allowSingleQuoted &&
      !(context.simpleKey && analysis.multiline)) {
      style = "'";
    } else {
      style = '"';
    }
    // process_tag: only a tag the text does not imply is written
    if (!(style === '' ? plainImplicit : quotedImplicit)) this.writeIndicator(`!!${item.tag}`, true);
    // expect_scalar / process_scalar
    this.increaseIndent(true);
    const split = !context.simpleKey;
    if (style === '"') this.writeDoubleQuoted(item.text, split, analysis.length);
    else if (style === "'") this.writeSingleQuoted(item.text, split, analysis.astral);
    else if (style === '|') this.writeLiteral(item.text);
    else this.writePlain(item.text, split, analysis.astral, context.root);
    this.popIndent();
  }

  // --- nodes -------------------------------------------------------------------------------

  /** The scalar form of a non-container value, or undefined for containers. */
  scalarOf(value: unknown, container: object | undefined, key: string | number | undefined,
    path: string): ScalarItem | undefined {
    if (value === null) return scalar('null', 'null');
    switch (typeof value) {
      case 'string':
        return scalar(value, 'str');
      case 'boolean':
        return scalar(value ? 'true' : 'false', 'bool');
      case 'bigint':
        return scalar(value.toString(), 'int');
      case 'number':
        return isPyFloat(value, container, key) ? scalar(formatFloat(value), 'float')
          : scalar(String(value), 'int');
      case 'object':
        if (value instanceof Uint8Array) return scalar(encodeBase64Lines(value), 'binary', '|');
        if (value instanceof PyDateTime || value instanceof PyDate) {
          return scalar(value.toString(), 'timestamp');
        }
        if (Array.isArray(value) || isPlainObject(value)) return undefined;
        break;
      default:
    }
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Cannot represent ${describe(value)} in YAML (at ${path})`);
  }

  /** Serializer's `anchor_node`: finds objects reached twice, numbering them on the second visit. */
  anchorPass(value: unknown): void {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (this.anchors.has(value)) {
      if (this.anchors.get(value) === null) {
        this.anchors.set(value, `id${String(this.anchorCount + 1).padStart(3, '0')}`);
        this.anchorCount++;
      }
      return;
    }
    this.anchors.set(value, null);
    if (Array.isArray(value)) {
      for (const item of value) this.anchorPass(item);
    } else if (isPlainObject(value)) {
      for (const key of this.keysOf(value)) this.anchorPass(value[key]);
    }
  }

  anchorCount = 0;

  keysOf(value: Record<string, unknown>): string[] {
    const keys = Object.keys(value);
    return this.sortKeys ? keys.sort(compareCodePoints) : keys;
  }

  emitNode(value: unknown, context: Context, container: object | undefined,
    key: string | number | undefined, path: string): void {
    let anchor: string | null = null;
    if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
      anchor = this.anchors.get(value) ?? null;
      if (this.serialized.has(value)) {
        this.writeIndicator(`*${anchor ?? ''}`, true); // an alias
        return;
      }
      this.serialized.add(value);
    }
    const item = this.scalarOf(value, container, key, path);
    if (anchor !== null) this.writeIndicator(`&${anchor}`, true);
    if (item !== undefined) {
      this.emitScalar(item, analyzeScalar(item.text, this.allowUnicode), context);
      return;
    }
    if (Array.isArray(value)) {
      this.checkArray(value, path);
      if (value.length === 0) {
        this.writeIndicator('[', true, true);
        this.writeIndicator(']', false);
        return;
      }
      this.increaseIndent(false, context.mapping && !this.indention);
      for (let index = 0; index < value.length; index++) {
        this.writeIndent();
        this.writeIndicator('-', true, false, true);
        this.emitNode(value[index], IN_SEQUENCE, value, index, `${path}[${index}]`);
      }
      this.popIndent();
      return;
    }
    const mapping = value as Record<string, unknown>;
    const keys = this.keysOf(mapping);
    if (keys.length === 0) {
      this.writeIndicator('{', true, true);
      this.writeIndicator('}', false);
      return;
    }
    this.increaseIndent(false);
    for (const name of keys) {
      const keyItem = scalar(name, 'str');
      const keyAnalysis = analyzeScalar(name, this.allowUnicode);
      this.writeIndent();
      // check_simple_key: the length counts the '!!str' tag PyYAML prepares, though unwritten
      const childPath = path === '' ? name : `${path}.${name}`;
      if (keyAnalysis.length + 5 < 128 && !keyAnalysis.empty && !keyAnalysis.multiline) {
        this.emitScalar(keyItem, keyAnalysis, AS_SIMPLE_KEY);
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.emitScalar(keyItem, keyAnalysis, IN_MAPPING);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.emitNode(mapping[name], IN_MAPPING, mapping, name, childPath);
    }
    this.popIndent();
  }

  checkArray(value: unknown[], path: string): void {
    for (let index = 0; index < value.length; index++) {
      if (!(index in value)) {
        throw new MlflowException('INVALID_PARAMETER_VALUE',
          `Cannot represent a sparse array hole in YAML (at ${path}[${index}])`);
      }
    }
  }

  document(value: unknown): string {
    this.anchorPass(value);
    this.emitNode(value, ROOT, undefined, undefined, '');
    // expect_document_end, then stream end
    this.writeIndent();
    if (this.openEnded) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    return this.out;
  }
}

/** SafeRepresenter's float text: `repr`, `.0` before a bare `e`, `.nan`, `.inf`, `-.inf`. */
function formatFloat(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Number.POSITIVE_INFINITY) return '.inf';
  if (value === Number.NEGATIVE_INFINITY) return '-.inf';
  const text = formatPythonFloat(value);
  return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'object' && value !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
  }
  return typeof value;
}

/**
 * Writes a value as YAML exactly as PyYAML's
 * `yaml.safe_dump(value, default_flow_style=False, sort_keys=..., allow_unicode=...)` does, the
 * way MLflow writes `MLmodel`, `conda.yaml`, `python_env.yaml` and `meta.yaml` (format.md 2.5).
 *
 * Values: `null`, booleans, strings, numbers (Python floats when non-integral, non-finite, `-0`
 * or marked with `markFloat`), `bigint`, `Uint8Array` (`!!binary`), `PyDate`, `PyDateTime`,
 * arrays and plain objects. An object or date reached twice is written once with an anchor
 * (`&id001`) and then as aliases, like PyYAML.
 *
 * @param value - the document.
 * @param options - `sortKeys` (default `true`), `allowUnicode` (default `false`).
 * @returns the YAML text, ending in a single `\n`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for values YAML cannot represent
 *   (`undefined`, functions, symbols, class instances such as `Date` or `Map`, sparse arrays).
 */
export function dumpMlflowYaml(value: unknown, options: DumpMlflowYamlOptions = {}): string {
  return new Emitter(options).document(value);
}
