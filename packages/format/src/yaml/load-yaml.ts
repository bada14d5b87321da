/**
 * YAML reader with PyYAML `yaml.safe_load` semantics (YAML 1.1 resolvers, SafeConstructor).
 *
 * js-yaml's event parser does the syntax; composition (anchors, aliases, tags), PyYAML's
 * implicit resolvers (resolve-scalar.ts) and SafeConstructor's rules (merge keys as PyYAML 6
 * applies them, `!!binary`, `!!set`, `!!omap`, `!!pairs`, timestamps, sexagesimal numbers) are
 * ours, so `3.10` is a float, `yes` a boolean and `0o17` a string, as MLflow sees them.
 */
import {
  COLLECTION_STYLE,
  EVENT_ID,
  SCALAR_STYLE,
  YAMLException,
  getScalarValue,
  parseEvents,
  type Event,
} from 'js-yaml';
import { MlflowException } from '../mlflow-exception.js';
import { PyDate, PyDateTime, formatPythonFloat, markFloat, type PyValue } from '../py-values.js';
import { resolvePlainScalarTag, timestampPattern } from './resolve-scalar.js';

/** Options of {@link loadMlflowYaml}. */
export interface LoadMlflowYamlOptions {
  /** The file the text came from, named in error messages. */
  path?: string;
}

const YAML_TAG = 'tag:yaml.org,2002:';

interface NodeBase {
  tag: string;
  /** Offset in the source, for error positions. */
  start: number;
}
interface ScalarNode extends NodeBase {
  kind: 'scalar';
  value: string;
}
interface SequenceNode extends NodeBase {
  kind: 'sequence';
  items: YamlNode[];
}
interface MappingNode extends NodeBase {
  kind: 'mapping';
  pairs: [YamlNode, YamlNode][];
}
type YamlNode = ScalarNode | SequenceNode | MappingNode;

/** A failure at a source offset; turned into the MlflowException by loadMlflowYaml. */
class LoadError extends Error {
  constructor(readonly reason: string, readonly offset: number) {
    super(reason);
  }
}

/** PyYAML's Reader: characters outside YAML's printable set are rejected up front. */
const nonPrintable = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** PyYAML accepts anchor and alias names of ASCII letters, digits, `-` and `_`. */
const anchorName = /^[0-9A-Za-z_-]+$/;

// --- composition ---------------------------------------------------------------------------

class Composer {
  private index = 0;
  private readonly anchors = new Map<string, YamlNode>();
  private handles = new Map<string, string>();

  constructor(private readonly source: string, private readonly events: Event[]) {}

  /** The single document's root node, or null for an empty stream. */
  composeSingle(): YamlNode | null {
    const documents: number[] = [];
    for (let i = 0; i < this.events.length; i++) {
      const event = this.events[i]!;
      if (event.type === EVENT_ID.DOCUMENT) documents.push(i);
    }
    if (documents.length === 0) return null;
    if (documents.length > 1) {
      throw new LoadError('expected a single document in the stream, but found another document',
        this.documentOffset(documents[1]!));
    }
    const document = this.events[documents[0]!]!;
    if (document.type !== EVENT_ID.DOCUMENT) return null;
    this.handles = new Map([['!', '!'], ['!!', YAML_TAG]]);
    for (const directive of document.directives) {
      if (directive.kind === 'tag') this.handles.set(directive.handle, directive.prefix);
    }
    this.index = documents[0]! + 1;
    if (this.events[this.index]?.type === EVENT_ID.POP) return null;
    return this.composeNode();
  }

  private documentOffset(eventIndex: number): number {
    for (let i = eventIndex + 1; i < this.events.length; i++) {
      const event = this.events[i]!;
      if (event.type === EVENT_ID.SCALAR) return event.valueStart;
      if (event.type === EVENT_ID.SEQUENCE || event.type === EVENT_ID.MAPPING) return event.start;
    }
    return 0;
  }

  private resolveTag(tagStart: number, tagEnd: number, offset: number): string | null {
    if (tagStart < 0) return null;
    const text = this.source.slice(tagStart, tagEnd);
    if (text === '!') return '!';
    if (text.startsWith('!<')) return decodeTagUri(text.slice(2, -1), offset);
    const second = text.indexOf('!', 1);
    const handle = second < 0 ? '!' : text.slice(0, second + 1);
    const prefix = this.handles.get(handle);
    if (prefix === undefined) throw new LoadError(`found undefined tag handle '${handle}'`, tagStart);
    return prefix + decodeTagUri(text.slice(handle.length), offset);
  }

  /**
   * PyYAML's scanner rules for an implicit block mapping key that js-yaml does not enforce: the
   * key is not empty (`: v`) and ends within 1024 characters of its start.
   */
  private checkBlockKey(): void {
    const key = this.events[this.index]!;
    if (key.type !== EVENT_ID.SCALAR || key.style === SCALAR_STYLE.LITERAL_BLOCK || key.style === SCALAR_STYLE.FOLDED_BLOCK) return;
    if (key.valueStart < 0) {
      if (key.tagStart >= 0 || key.anchorStart >= 0) return;
      const value = this.events[this.index + 1];
      const valueStart = value === undefined ? -1 : value.type === EVENT_ID.SCALAR ? value.valueStart
        : value.type === EVENT_ID.ALIAS ? value.anchorStart - 1
        : value.type === EVENT_ID.SEQUENCE || value.type === EVENT_ID.MAPPING ? value.start : -1;
      if (valueStart < 0) return;
      const colon = this.previousNonBlank(valueStart - 1);
      if (colon < 0 || this.source[colon] !== ':') return;
      const before = this.previousNonBlank(colon - 1);
      if (before < 0 || this.source[before] !== '?') {
        throw new LoadError("while parsing a block mapping: expected <block end>, but found ':'", colon);
      }
      return;
    }
    const quoted = key.style === SCALAR_STYLE.SINGLE_QUOTED || key.style === SCALAR_STYLE.DOUBLE_QUOTED;
    let keyStart = key.valueStart - (quoted ? 1 : 0);
    if (key.tagStart >= 0) keyStart = Math.min(keyStart, key.tagStart);
    if (key.anchorStart >= 0) keyStart = Math.min(keyStart, key.anchorStart - 1);
    if (key.valueEnd + (quoted ? 1 : 0) - keyStart <= 1024) return;
    const before = this.previousNonBlank(keyStart - 1);
    if (before >= 0 && this.source[before] === '?') return;
    throw new LoadError('mapping values are not allowed here (a simple key is limited to 1024 characters)', key.valueEnd);
  }

  private previousNonBlank(from: number): number {
    let index = from;
    while (index >= 0 && ' \t\r\n'.includes(this.source[index]!)) index--;
    return index;
  }

  private composeNode(): YamlNode {
    const event = this.events[this.index++]!;
    if (event.type === EVENT_ID.ALIAS) {
      const name = this.source.slice(event.anchorStart, event.anchorEnd);
      if (!anchorName.test(name)) {
        throw new LoadError('while scanning an alias: expected alphabetic or numeric character', event.anchorStart);
      }
      const node = this.anchors.get(name);
      if (node === undefined) throw new LoadError(`found undefined alias '${name}'`, event.anchorStart - 1);
      return node;
    }
    if (event.type !== EVENT_ID.SCALAR && event.type !== EVENT_ID.SEQUENCE && event.type !== EVENT_ID.MAPPING) {
      throw new LoadError('unexpected parser event', 0);
    }
    const start = event.type === EVENT_ID.SCALAR ? event.valueStart : event.start;
    const anchor = event.anchorStart >= 0 ? this.source.slice(event.anchorStart, event.anchorEnd) : null;
    if (anchor !== null && !anchorName.test(anchor)) {
      throw new LoadError('while scanning an anchor: expected alphabetic or numeric character', event.anchorStart);
    }
    if (anchor !== null && this.anchors.has(anchor)) {
      throw new LoadError(`found duplicate anchor '${anchor}'`, event.anchorStart - 1);
    }
    const tag = this.resolveTag(event.tagStart, event.tagEnd, event.tagStart);
    let node: YamlNode;
    if (event.type === EVENT_ID.SCALAR) {
      const value = getScalarValue(this.source, event);
      let resolved = tag;
      if (tag === null || tag === '!') {
        // PyYAML resolves plain scalars and '!'-tagged ones; other quoted scalars are strings
        const implicit = tag === '!' || event.style === SCALAR_STYLE.PLAIN;
        resolved = YAML_TAG + (implicit ? resolvePlainScalarTag(value) : 'str');
      }
      node = { kind: 'scalar', tag: resolved!, value, start };
      if (anchor !== null) this.anchors.set(anchor, node);
      return node;
    }
    if (event.type === EVENT_ID.SEQUENCE) {
      const sequence: SequenceNode = { kind: 'sequence', tag: tag === null || tag === '!' ? `${YAML_TAG}seq` : tag, items: [], start };
      if (anchor !== null) this.anchors.set(anchor, sequence);
      while (this.events[this.index]!.type !== EVENT_ID.POP) sequence.items.push(this.composeNode());
      this.index++;
      return sequence;
    }
    const mapping: MappingNode = { kind: 'mapping', tag: tag === null || tag === '!' ? `${YAML_TAG}map` : tag, pairs: [], start };
    if (anchor !== null) this.anchors.set(anchor, mapping);
    while (this.events[this.index]!.type !== EVENT_ID.POP) {
      if (event.style === COLLECTION_STYLE.BLOCK) this.checkBlockKey();
      const key = this.composeNode();
      const value = this.composeNode();
      mapping.pairs.push([key, value]);
    }
    this.index++;
    return mapping;
  }
}

function decodeTagUri(text: string, offset: number): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new LoadError(`expected URI escape sequences of UTF-8 characters in the tag '${text}'`, offset);
  }
}

// --- construction --------------------------------------------------------------------------

/** A constructed value and whether it is a Python float (for the container's mark). */
interface Built {
  value: PyValue;
  float: boolean;
}

/** Python's `hash`/`==` identity of a mapping key, so `1`, `1.0` and `true` collide as in Python. */
function keyIdentity(value: PyValue): string | null {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'string': return `s${value}`;
    case 'boolean': return value ? 'n1' : 'n0';
    case 'bigint': return `n${value.toString()}`;
    case 'number':
      if (Number.isInteger(value)) return `n${BigInt(value).toString()}`;
      return Number.isNaN(value) ? 'nan' : `n${formatPythonFloat(value)}`;
    default:
  }
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString('hex')}`;
  if (value instanceof PyDateTime) {
    return value.utcOffsetMinutes === null ? `dn${value.toString()}` : `da${value.toEpochMicros()}`;
  }
  if (value instanceof PyDate) return `d${value.toString()}`;
  return null; // lists, dicts, sets: unhashable
}

/** Python's `str()` of a hashable key; the object key the mapping gets. */
function keyText(value: PyValue, float: boolean): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'string': return value;
    case 'boolean': return value ? 'True' : 'False';
    case 'bigint': return value.toString();
    case 'number': return float ? formatPythonFloat(value) : String(value);
    default:
  }
  if (value instanceof Uint8Array) return pythonBytesRepr(value);
  return String(value);
}

function pythonBytesRepr(bytes: Uint8Array): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}${quote}`;
}

function setOwn(target: Record<string, PyValue>, key: string, value: PyValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

const boolValues: Record<string, boolean> = { yes: true, no: false, true: true, false: false, on: true, off: false };

class Constructor {
  private readonly built = new Map<YamlNode, Built>();
  private readonly inProgress = new Set<YamlNode>();

  construct(node: YamlNode): Built {
    const done = this.built.get(node);
    if (done !== undefined) return done;
    if (this.inProgress.has(node)) {
      throw new LoadError('found unconstructable recursive node', node.start);
    }
    const suffix = node.tag.startsWith(YAML_TAG) ? node.tag.slice(YAML_TAG.length) : null;
    switch (suffix) {
      case 'seq': {
        const list: PyValue[] = [];
        this.built.set(node, { value: list, float: false });
        this.fillSequence(node, list);
        return this.built.get(node)!;
      }
      case 'map': {
        const object: Record<string, PyValue> = {};
        this.built.set(node, { value: object, float: false });
        this.fillMapping(node, object);
        return this.built.get(node)!;
      }
      case 'set': {
        const object: Record<string, PyValue> = {};
        this.built.set(node, { value: object, float: false });
        this.fillMapping(node, object, true);
        return this.built.get(node)!;
      }
      case 'omap':
      case 'pairs': {
        const list: PyValue[] = [];
        this.built.set(node, { value: list, float: false });
        this.fillPairs(node, list, suffix === 'omap' ? 'an ordered map' : 'pairs');
        return this.built.get(node)!;
      }
      default: {
        this.inProgress.add(node);
        const result = this.constructScalar(node, suffix);
        this.inProgress.delete(node);
        this.built.set(node, result);
        return result;
      }
    }
  }

  private fillSequence(node: YamlNode, list: PyValue[]): void {
    if (node.kind !== 'sequence') throw new LoadError(`expected a sequence node, but found ${node.kind}`, node.start);
    for (const item of node.items) {
      const built = this.construct(item);
      list.push(built.value);
      if (built.float) markFloat(list, list.length - 1);
    }
  }

  private fillPairs(node: YamlNode, list: PyValue[], what: string): void {
    if (node.kind !== 'sequence') throw new LoadError(`while constructing ${what}: expected a sequence, but found ${node.kind}`, node.start);
    for (const item of node.items) {
      if (item.kind !== 'mapping') {
        throw new LoadError(`while constructing ${what}: expected a mapping of length 1, but found ${item.kind}`, item.start);
      }
      if (item.pairs.length !== 1) {
        throw new LoadError(`while constructing ${what}: expected a single mapping item, but found ${item.pairs.length} items`, item.start);
      }
      const [keyNode, valueNode] = item.pairs[0]!;
      const key = this.construct(keyNode);
      const value = this.construct(valueNode);
      const pair: PyValue[] = [key.value, value.value];
      if (key.float) markFloat(pair, 0);
      if (value.float) markFloat(pair, 1);
      list.push(pair);
    }
  }

  /** SafeConstructor.flatten_mapping, as PyYAML 6.0 does it (see the note on identity below). */
  private flatten(node: MappingNode): void {
    const merge: [YamlNode, YamlNode][] = [];
    // PyYAML skips a merged pair whose key *object* it has merged already: the same key node
    // (through an alias), or an equal string CPython keeps as a singleton (empty, one Latin-1
    // character). Longer equal keys from different nodes are all merged; the last one wins.
    const seen = new Set<unknown>();
    const take = (pairs: [YamlNode, YamlNode][]): void => {
      for (const pair of pairs) {
        const keyNode = pair[0];
        const identity = keyNode.kind === 'scalar' && (keyNode.value.length === 0 ||
          (keyNode.value.length === 1 && keyNode.value.charCodeAt(0) < 256)) ? `s${keyNode.value}` : keyNode;
        if (seen.has(identity)) continue;
        seen.add(identity);
        merge.push(pair);
      }
    };
    let index = 0;
    while (index < node.pairs.length) {
      const [keyNode, valueNode] = node.pairs[index]!;
      if (keyNode.tag === `${YAML_TAG}merge`) {
        node.pairs.splice(index, 1);
        if (valueNode.kind === 'mapping') {
          this.flatten(valueNode);
          take(valueNode.pairs);
        } else if (valueNode.kind === 'sequence') {
          for (const subnode of valueNode.items) {
            if (subnode.kind !== 'mapping') {
              throw new LoadError(`while constructing a mapping: expected a mapping for merging, but found ${subnode.kind}`, subnode.start);
            }
            this.flatten(subnode);
            take(subnode.pairs);
          }
        } else {
          throw new LoadError(`while constructing a mapping: expected a mapping or list of mappings for merging, but found ${valueNode.kind}`, valueNode.start);
        }
      } else {
        if (keyNode.tag === `${YAML_TAG}value`) keyNode.tag = `${YAML_TAG}str`;
        index++;
      }
    }
    if (merge.length > 0) node.pairs = [...merge, ...node.pairs];
  }

  private fillMapping(node: YamlNode, object: Record<string, PyValue>, asSet = false): void {
    if (node.kind !== 'mapping') throw new LoadError(`expected a mapping node, but found ${node.kind}`, node.start);
    this.flatten(node);
    // Python dict semantics: equal keys share the first key's slot; the last value wins
    const entries = new Map<string, { key: string; value: PyValue; float: boolean }>();
    for (const [keyNode, valueNode] of node.pairs) {
      const key = this.construct(keyNode);
      const identity = keyIdentity(key.value);
      if (identity === null) {
        throw new LoadError('while constructing a mapping: found unhashable key', keyNode.start);
      }
      const value = asSet ? { value: null, float: false } : this.construct(valueNode);
      const existing = entries.get(identity);
      if (existing !== undefined) {
        existing.value = value.value;
        existing.float = value.float;
      } else {
        entries.set(identity, { key: keyText(key.value, key.float), value: value.value, float: value.float });
      }
    }
    for (const entry of entries.values()) {
      setOwn(object, entry.key, entry.value);
      if (entry.float) markFloat(object, entry.key);
    }
  }

  private constructScalar(node: YamlNode, suffix: string | null): Built {
    const scalarValue = (): string => {
      if (node.kind === 'scalar') return node.value;
      if (node.kind === 'mapping') {
        for (const [keyNode, valueNode] of node.pairs) {
          if (keyNode.tag === `${YAML_TAG}value`) return this.constructScalar(valueNode, 'str').value as string;
        }
      }
      throw new LoadError(`expected a scalar node, but found ${node.kind}`, node.start);
    };
    switch (suffix) {
      case 'str': return { value: scalarValue(), float: false };
      case 'null': scalarValue(); return { value: null, float: false };
      case 'bool': {
        const value = boolValues[scalarValue().toLowerCase()];
        if (value === undefined) throw new LoadError(`invalid boolean: ${JSON.stringify(scalarValue())}`, node.start);
        return { value, float: false };
      }
      case 'int': return { value: constructInt(scalarValue(), node.start), float: false };
      case 'float': return { value: constructFloat(scalarValue(), node.start), float: true };
      case 'binary': return { value: constructBinary(scalarValue(), node.start), float: false };
      case 'timestamp': return { value: constructTimestamp(scalarValue(), node.start), float: false };
      default:
        throw new LoadError(`could not determine a constructor for the tag '${node.tag}'`, node.start);
    }
  }
}

const digitPatterns: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };

/** Python's `int(text, base)` for the digit strings SafeConstructor passes it. */
function parseDigits(text: string, base: 2 | 8 | 10 | 16, offset: number): bigint {
  let digits = text.trim();
  let sign = 1n;
  if (digits.startsWith('-') || digits.startsWith('+')) {
    if (digits.startsWith('-')) sign = -1n;
    digits = digits.slice(1);
  }
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base];
  if (prefix !== '' && digits.toLowerCase().startsWith(prefix)) digits = digits.slice(2);
  if (!digitPatterns[base]!.test(digits)) {
    throw new LoadError(`invalid literal for int() with base ${base}: '${text}'`, offset);
  }
  const bigPrefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base];
  return sign * BigInt(bigPrefix + digits);
}

function toPyInt(value: bigint): number | bigint {
  return value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value) : value;
}

function constructInt(text: string, offset: number): number | bigint {
  let value = text.replaceAll('_', '');
  if (value === '') throw new LoadError("invalid literal for int(): ''", offset);
  let sign = 1n;
  if (value[0] === '-') sign = -1n;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  if (value === '0') return 0;
  if (value.startsWith('0b')) return toPyInt(sign * parseDigits(value.slice(2), 2, offset));
  if (value.startsWith('0x')) return toPyInt(sign * parseDigits(value.slice(2), 16, offset));
  if (value.startsWith('0')) return toPyInt(sign * parseDigits(value, 8, offset));
  if (value.includes(':')) {
    const digits = value.split(':').map((part) => parseDigits(part, 10, offset)).reverse();
    let base = 1n;
    let total = 0n;
    for (const digit of digits) {
      total += digit * base;
      base *= 60n;
    }
    return toPyInt(sign * total);
  }
  return toPyInt(sign * parseDigits(value, 10, offset));
}

const pythonFloatPattern = /^[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?|inf|infinity|nan)$/;

/** Python's `float(text)` on SafeConstructor's lower-cased, underscore-free text. */
function parsePythonFloat(text: string, offset: number): number {
  const trimmed = text.trim();
  if (!pythonFloatPattern.test(trimmed)) {
    throw new LoadError(`could not convert string to float: '${text}'`, offset);
  }
  const body = trimmed.replace(/^[-+]/, '');
  const negative = trimmed.startsWith('-');
  if (body === 'inf' || body === 'infinity') return negative ? -Infinity : Infinity;
  if (body === 'nan') return Number.NaN;
  return Number(trimmed);
}

function constructFloat(text: string, offset: number): number {
  let value = text.replaceAll('_', '').toLowerCase();
  if (value === '') throw new LoadError("could not convert string to float: ''", offset);
  let sign = 1;
  if (value[0] === '-') sign = -1;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return Number.NaN;
  if (value.includes(':')) {
    const digits = value.split(':').map((part) => parsePythonFloat(part, offset)).reverse();
    let base = 1;
    let total = 0;
    for (const digit of digits) {
      total += digit * base;
      base *= 60;
    }
    return sign * total;
  }
  return sign * parsePythonFloat(value, offset);
}

function constructBinary(text: string, offset: number): Uint8Array {
  if (/[^\x00-\x7f]/.test(text)) {
    throw new LoadError('failed to convert base64 data into ascii', offset);
  }
  // binascii.a2b_base64 (non-strict): characters outside the alphabet are skipped; data ends
  // at padding; a dangling character or missing padding is an error
  let count = 0;
  let padding = 0;
  let clean = '';
  for (const char of text) {
    if (/[A-Za-z0-9+/]/.test(char)) {
      if (padding > 0) { padding = 0; }
      clean += char;
      count++;
    } else if (char === '=') {
      padding++;
      if (count % 4 === 2 && padding >= 2) break;
      if (count % 4 === 3 && padding >= 1) break;
    }
  }
  if (count % 4 === 1) {
    throw new LoadError(`failed to decode base64 data: Invalid base64-encoded string: number of data characters (${count}) cannot be 1 more than a multiple of 4`, offset);
  }
  if ((count % 4 === 2 && padding < 2) || (count % 4 === 3 && padding < 1)) {
    throw new LoadError('failed to decode base64 data: Incorrect padding', offset);
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function constructTimestamp(text: string, offset: number): PyDate | PyDateTime {
  const match = timestampPattern.exec(text);
  if (match === null) throw new LoadError(`invalid timestamp: '${text}'`, offset);
  const [, y, mo, d, h, mi, s, fraction, tz, tzSign, tzHour, tzMinute] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1) throw new LoadError(`year ${year} is out of range`, offset);
  if (month < 1 || month > 12) throw new LoadError('month must be in 1..12', offset);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : daysInMonth[month - 1]!;
  if (day < 1 || day > monthDays) throw new LoadError('day is out of range for month', offset);
  if (h === undefined) return new PyDate(year, month, day);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23) throw new LoadError('hour must be in 0..23', offset);
  if (minute > 59) throw new LoadError('minute must be in 0..59', offset);
  if (second > 59) throw new LoadError('second must be in 0..59', offset);
  const micro = fraction ? Number(fraction.slice(0, 6).padEnd(6, '0')) : 0;
  let utcOffset: number | null = null;
  if (tzSign !== undefined) {
    const minutes = Number(tzHour) * 60 + Number(tzMinute ?? 0);
    if (minutes >= 24 * 60) {
      throw new LoadError('offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)', offset);
    }
    utcOffset = tzSign === '-' ? -minutes : minutes;
  } else if (tz !== undefined) {
    utcOffset = 0;
  }
  return new PyDateTime(year, month, day, hour, minute, second, micro, utcOffset);
}

// --- entry point ---------------------------------------------------------------------------

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let index = 0; index < end; index++) {
    if (text.charCodeAt(index) === 0x0a) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Reads YAML the way MLflow does (`yaml.safe_load`, PyYAML's YAML 1.1 SafeLoader).
 *
 * Plain scalars resolve by YAML 1.1 rules: `yes`/`on` are booleans, `3.10` the float 3.1, `0777`
 * octal, `1:20` sexagesimal, `1e3` a string (a float needs a dot), `2024-01-01` a `PyDate`,
 * timestamps with a time a `PyDateTime` (`Z` or an offset gives `utcOffsetMinutes`, none a
 * naive one). Floats mark their container slot (`markFloat`), so `1.0` stays a float; ints
 * beyond 2^53 are `bigint`; `!!binary` gives a `Uint8Array`; `!!omap` / `!!pairs` give
 * `[key, value]` arrays; `!!set` gives an object whose values are `null`; merge keys `<<`
 * follow PyYAML 6. Duplicate keys: the last value wins.
 *
 * Mapping keys that are not strings become Python's `str()` of them (`True`, `None`, `1.0`,
 * `2024-01-01`), since plain objects only have string keys and Python code that formats such a
 * key sees that text; keys Python considers equal (`1`, `1.0`, `true`) share one entry, as in a
 * dict. A string key and a non-string key with the same text (`'True'` and `True`) then collide:
 * the later wins.
 *
 * @param text - the YAML text; a leading BOM and CRLF line ends are accepted.
 * @param options - `path`: the file named in error messages.
 * @returns the document's value; `null` for an empty document.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE `Malformed YAML in <path>: <reason> (line L,
 *   column C)` for syntax errors, several documents, unknown or unsafe tags (`!!python/...`),
 *   unhashable keys, invalid values for a tag, and characters YAML does not allow.
 */
export function loadMlflowYaml(text: string, options: LoadMlflowYamlOptions = {}): PyValue {
  const path = options.path ?? '<string>';
  try {
    const bad = nonPrintable.exec(text);
    if (bad !== null) {
      const code = bad[0].codePointAt(0)!;
      throw new LoadError(`unacceptable character #x${code.toString(16).padStart(4, '0')}: special characters are not allowed`, bad.index);
    }
    const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    // PyYAML (YAML 1.1) also breaks lines at NEL, which it reads as '\n'; js-yaml does not.
    // (LS and PS also break lines in PyYAML but stay in the value; js-yaml keeps them as
    // ordinary characters: a documented difference.)
    const normalized = source.includes('\x85') ? source.replaceAll('\r\x85', '\n\n').replaceAll('\x85', '\n') : source;
    const events = parseEvents(normalized, { maxDepth: 1000 });
    const root = new Composer(normalized, events).composeSingle();
    if (root === null) return null;
    return new Constructor().construct(root).value;
  } catch (error) {
    if (error instanceof LoadError) {
      const offset = error.offset + (text.charCodeAt(0) === 0xfeff ? 1 : 0);
      const { line, column } = lineAndColumn(text, offset);
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Malformed YAML in ${path}: ${error.reason} (line ${line}, column ${column})`, { path: options.path, cause: error });
    }
    if (error instanceof YAMLException) {
      const where = error.mark === undefined ? '' : ` (line ${error.mark.line + 1}, column ${error.mark.column + 1})`;
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Malformed YAML in ${path}: ${error.reason}${where}`, { path: options.path, cause: error });
    }
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Malformed YAML in ${path}: ${error instanceof Error ? error.message : String(error)}`, { path: options.path, cause: error });
  }
}
