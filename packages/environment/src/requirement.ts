/**
 * PEP 508 requirements as Python's `packaging.requirements.Requirement` parses and renders them
 * (environment.md 12.2-12.3): the grammar, canonical `str()`, marker normalisation and marker
 * evaluation against a given environment.
 */
import { MlflowException, compareCodePoints } from '@pyfunc/format';
import { SPECIFIER_PATTERN, Specifier, SpecifierSet, Version, type PackagingCompat } from './pep440.js';

const rules = {
  LEFT_PARENTHESIS: /\(/y,
  RIGHT_PARENTHESIS: /\)/y,
  LEFT_BRACKET: /\[/y,
  RIGHT_BRACKET: /\]/y,
  SEMICOLON: /;/y,
  COMMA: /,/y,
  QUOTED_STRING: /('[^']*')|("[^"]*")/y,
  OP: /(===|==|~=|!=|<=|>=|<|>)/y,
  BOOLOP: /\b(or|and)\b/y,
  IN: /\bin\b/y,
  NOT: /\bnot\b/y,
  VARIABLE: /\b(python_version|python_full_version|os[._]name|sys[._]platform|platform_(release|system)|platform[._](version|machine|python_implementation)|python_implementation|implementation_(name|version)|extra)\b/y,
  SPECIFIER: new RegExp(SPECIFIER_PATTERN, 'iy'),
  AT: /@/y,
  URL: /[^ \t]+/y,
  IDENTIFIER: /\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b/y,
  VERSION_PREFIX_TRAIL: /\.\*/y,
  VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
  WS: /[ \t]+/y,
  END: /$/y,
} as const;
type RuleName = keyof typeof rules;

class SyntaxFailure extends Error {}

class Tokenizer {
  position = 0;
  next: { name: RuleName; text: string } | undefined;
  constructor(readonly source: string) {}

  check(name: RuleName, peek = false): boolean {
    const rule = rules[name];
    rule.lastIndex = this.position;
    const match = rule.exec(this.source);
    if (match === null) return false;
    if (!peek) this.next = { name, text: match[0] };
    return true;
  }

  consume(name: RuleName): void {
    if (this.check(name)) this.read();
  }

  expect(name: RuleName, expected: string): string {
    if (!this.check(name)) this.fail(`Expected ${expected}`);
    return this.read();
  }

  read(): string {
    const token = this.next!;
    this.position += token.text.length;
    this.next = undefined;
    return token.text;
  }

  fail(message: string): never {
    throw new SyntaxFailure(`${message}\n    ${this.source}\n    ${' '.repeat(this.position)}^`);
  }

  enclosed<T>(open: RuleName, close: RuleName, around: string, body: () => T): T {
    const opened = this.check(open);
    if (opened) this.read();
    const value = body();
    if (opened) {
      if (!this.check(close)) this.fail(`Expected matching ${close} for ${open}, after ${around}`);
      this.read();
    }
    return value;
  }
}

/** A marker variable (`python_version`), a quoted value, or an operator. */
export type MarkerAtom =
  | { kind: 'variable'; value: string }
  | { kind: 'value'; value: string };
/** `lhs op rhs` */
export type MarkerItem = readonly [MarkerAtom, string, MarkerAtom];
/** packaging's nested marker list: items, nested lists, and `'and'` / `'or'`. */
export type MarkerList = Array<MarkerItem | MarkerList | 'and' | 'or'>;

function isItem(entry: MarkerItem | MarkerList | string): entry is MarkerItem {
  return Array.isArray(entry) && entry.length === 3 && typeof entry[1] === 'string' && !Array.isArray(entry[0]) &&
    typeof entry[0] === 'object';
}

function parsePythonString(text: string): string {
  const inner = text.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  return inner.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/gs, (_, escape: string) => {
    if (escape.length > 1) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' } as Record<string, string>)[escape] ?? `\\${escape}`;
  });
}

function parseMarkerVar(tokenizer: Tokenizer): MarkerAtom {
  if (tokenizer.check('VARIABLE')) {
    const name = tokenizer.read().replaceAll('.', '_');
    return { kind: 'variable', value: name === 'python_implementation' ? 'platform_python_implementation' : name };
  }
  if (tokenizer.check('QUOTED_STRING')) return { kind: 'value', value: parsePythonString(tokenizer.read()) };
  return tokenizer.fail('Expected a marker variable or quoted string');
}

function parseMarkerOp(tokenizer: Tokenizer): string {
  if (tokenizer.check('IN')) {
    tokenizer.read();
    return 'in';
  }
  if (tokenizer.check('NOT')) {
    tokenizer.read();
    tokenizer.expect('WS', "whitespace after 'not'");
    tokenizer.expect('IN', "'in' after 'not'");
    return 'not in';
  }
  if (tokenizer.check('OP')) return tokenizer.read();
  return tokenizer.fail('Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in');
}

function parseMarkerAtom(tokenizer: Tokenizer): MarkerItem | MarkerList {
  tokenizer.consume('WS');
  let marker: MarkerItem | MarkerList;
  if (tokenizer.check('LEFT_PARENTHESIS', true)) {
    marker = tokenizer.enclosed('LEFT_PARENTHESIS', 'RIGHT_PARENTHESIS', 'marker expression', () => {
      tokenizer.consume('WS');
      const inner = parseMarker(tokenizer);
      tokenizer.consume('WS');
      return inner;
    });
  } else {
    tokenizer.consume('WS');
    const left = parseMarkerVar(tokenizer);
    tokenizer.consume('WS');
    const op = parseMarkerOp(tokenizer);
    tokenizer.consume('WS');
    const right = parseMarkerVar(tokenizer);
    tokenizer.consume('WS');
    marker = [left, op, right] as const;
  }
  tokenizer.consume('WS');
  return marker;
}

function parseMarker(tokenizer: Tokenizer): MarkerList {
  const expression: MarkerList = [parseMarkerAtom(tokenizer)];
  while (tokenizer.check('BOOLOP')) {
    const op = tokenizer.read() as 'and' | 'or';
    expression.push(op, parseMarkerAtom(tokenizer));
  }
  return expression;
}

/** PEP 503 normalisation: lower-case, each run of `-`, `_`, `.` becomes `-`. */
export function canonicalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

function normalizeExtraValues(markers: MarkerList, recursive: boolean): MarkerList {
  return markers.map((entry, index) => {
    if (!recursive && index > 0) return entry;
    if (typeof entry === 'string') return entry;
    if (isItem(entry)) {
      const [lhs, op, rhs] = entry;
      if (lhs.kind === 'variable' && lhs.value === 'extra' && rhs.kind === 'value') {
        return [lhs, op, { kind: 'value', value: canonicalizeName(rhs.value) }] as const;
      }
      if (rhs.kind === 'variable' && rhs.value === 'extra' && lhs.kind === 'value') {
        return [{ kind: 'value', value: canonicalizeName(lhs.value) }, op, rhs] as const;
      }
      return entry;
    }
    return recursive ? normalizeExtraValues(entry, true) : entry;
  });
}

function formatMarker(marker: MarkerList | MarkerItem, first = true): string {
  if (isItem(marker)) {
    const [lhs, op, rhs] = marker;
    const atom = (a: MarkerAtom) => (a.kind === 'variable' ? a.value : `"${a.value}"`);
    return `${atom(lhs)} ${op} ${atom(rhs)}`;
  }
  if (marker.length === 1 && typeof marker[0] !== 'string') return formatMarker(marker[0]!);
  const inner = marker.map((entry) => (typeof entry === 'string' ? entry : formatMarker(entry, false))).join(' ');
  return first ? inner : `(${inner})`;
}

/** The values markers are evaluated against (`packaging.markers.default_environment()`). */
export type MarkerEnvironment = Record<string, string>;

const stringOperators: Record<string, (a: string, b: string) => boolean> = {
  in: (a, b) => b.includes(a),
  'not in': (a, b) => !b.includes(a),
  '<': (a, b) => compareCodePoints(a, b) < 0,
  '<=': (a, b) => compareCodePoints(a, b) <= 0,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>=': (a, b) => compareCodePoints(a, b) >= 0,
  '>': (a, b) => compareCodePoints(a, b) > 0,
};

function evalOp(lhs: string, op: string, rhs: string): boolean {
  let specifier: Specifier | undefined;
  try {
    specifier = new Specifier(`${op}${rhs}`);
  } catch {
    specifier = undefined;
  }
  if (specifier !== undefined) return specifier.contains(lhs, { prereleases: true });
  const operate = stringOperators[op];
  if (operate === undefined) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Undefined ${op} on ${lhs} and ${rhs}.`);
  }
  return operate(lhs, rhs);
}

function evaluateMarkers(markers: MarkerList, environment: MarkerEnvironment): boolean {
  const groups: boolean[][] = [[]];
  for (const marker of markers) {
    if (marker === 'or') groups.push([]);
    else if (marker === 'and') continue;
    else if (isItem(marker)) {
      const [lhs, op, rhs] = marker;
      const key = lhs.kind === 'variable' ? lhs.value : rhs.value;
      const lookup = (atom: MarkerAtom) => {
        if (atom.kind === 'value') return atom.value;
        const value = environment[atom.value];
        if (value === undefined) {
          throw new MlflowException('INVALID_PARAMETER_VALUE', `${JSON.stringify(atom.value)} does not exist in evaluation environment.`);
        }
        return value;
      };
      let left = lookup(lhs);
      let right = lookup(rhs);
      if (key === 'extra') {
        left = canonicalizeName(left);
        right = canonicalizeName(right);
      }
      groups[groups.length - 1]!.push(evalOp(left, op, right));
    } else {
      groups[groups.length - 1]!.push(evaluateMarkers(marker, environment));
    }
  }
  return groups.some((group) => group.every(Boolean));
}

/** A PEP 508 environment marker. */
export class Marker {
  constructor(readonly markers: MarkerList) {}

  /** The normalised marker (`str(Marker)`): single spaces, double-quoted values. */
  toString(): string {
    return formatMarker(this.markers);
  }

  /**
   * Evaluates against `environment` (`extra` defaults to `""`).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for a variable missing from the environment.
   */
  evaluate(environment: MarkerEnvironment): boolean {
    return evaluateMarkers(this.markers, { extra: '', ...environment });
  }
}

/** A parsed PEP 508 requirement, as `packaging.requirements.Requirement`. */
export class Requirement {
  name: string;
  url: string | undefined;
  extras: string[];
  /** A `SpecifierSet`, or a verbatim string where MLflow 2.22 assigned one (5.5). */
  specifier: SpecifierSet | string;
  marker: Marker | undefined;

  /**
   * @throws {MlflowException} INVALID_PARAMETER_VALUE `Invalid requirement '<text>': <reason>`.
   */
  constructor(text: string, options: { packaging?: PackagingCompat } = {}) {
    this.#packaging = options.packaging ?? 'legacy';
    const tokenizer = new Tokenizer(text);
    try {
      tokenizer.consume('WS');
      this.name = tokenizer.expect('IDENTIFIER', 'package name at the start of dependency specifier');
      tokenizer.consume('WS');
      this.extras = parseExtras(tokenizer);
      tokenizer.consume('WS');
      let specifier = '';
      let url = '';
      let marker: MarkerList | undefined;
      if (tokenizer.check('AT')) {
        tokenizer.read();
        tokenizer.consume('WS');
        url = tokenizer.expect('URL', 'URL after @');
        if (!tokenizer.check('END', true)) {
          tokenizer.expect('WS', 'whitespace after URL');
          if (!tokenizer.check('END', true)) marker = parseRequirementMarker(tokenizer, 'URL and whitespace');
        }
      } else {
        specifier = tokenizer.enclosed('LEFT_PARENTHESIS', 'RIGHT_PARENTHESIS', 'version specifier', () => {
          tokenizer.consume('WS');
          const parsed = parseVersionMany(tokenizer);
          tokenizer.consume('WS');
          return parsed;
        });
        tokenizer.consume('WS');
        if (!tokenizer.check('END', true)) {
          marker = parseRequirementMarker(tokenizer, specifier !== '' ? 'version specifier' : 'name and no valid version specifier');
        }
      }
      tokenizer.expect('END', 'end of dependency specifier');
      this.url = url === '' ? undefined : url;
      this.specifier = new SpecifierSet(specifier, { packaging: this.#packaging });
      this.marker = marker === undefined ? undefined : new Marker(normalizeExtraValues(marker, options.packaging === '26'));
    } catch (error) {
      if (error instanceof SyntaxFailure || MlflowException.isInstance(error)) {
        throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid requirement '${text}': ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** Whether `text` parses as a PEP 508 requirement. */
  static isValid(text: string): boolean {
    try {
      new Requirement(text);
      return true;
    } catch {
      return false;
    }
  }

  /** Number of specifiers (a verbatim specifier string counts as non-empty when non-blank). */
  get hasSpecifier(): boolean {
    return typeof this.specifier === 'string' ? this.specifier !== '' : this.specifier.size > 0;
  }

  /** packaging 26 renders `name @ url`; earlier releases `name@ url`. */
  #packaging: PackagingCompat = 'legacy';

  /** The canonical rendering, `str(Requirement)` (environment.md 12.3). */
  toString(): string {
    let text = this.name;
    if (this.extras.length > 0) text += `[${[...new Set(this.extras)].sort(compareCodePoints).join(',')}]`;
    const specifier = this.specifier.toString();
    if (specifier !== '') text += specifier;
    if (this.url !== undefined) {
      text += `${this.#packaging === '26' ? ' ' : ''}@ ${this.url}`;
      if (this.marker !== undefined) text += ' ';
    }
    if (this.marker !== undefined) text += `; ${this.marker.toString()}`;
    return text;
  }
}

function parseExtras(tokenizer: Tokenizer): string[] {
  if (!tokenizer.check('LEFT_BRACKET', true)) return [];
  return tokenizer.enclosed('LEFT_BRACKET', 'RIGHT_BRACKET', 'extras', () => {
    tokenizer.consume('WS');
    const extras: string[] = [];
    if (tokenizer.check('IDENTIFIER')) {
      extras.push(tokenizer.read());
      for (;;) {
        tokenizer.consume('WS');
        if (tokenizer.check('IDENTIFIER', true)) tokenizer.fail('Expected comma between extra names');
        if (!tokenizer.check('COMMA')) break;
        tokenizer.read();
        tokenizer.consume('WS');
        extras.push(tokenizer.expect('IDENTIFIER', 'extra name after comma'));
      }
    }
    tokenizer.consume('WS');
    return [...new Set(extras)];
  });
}

function parseVersionMany(tokenizer: Tokenizer): string {
  let parsed = '';
  while (tokenizer.check('SPECIFIER')) {
    parsed += tokenizer.read();
    if (tokenizer.check('VERSION_PREFIX_TRAIL', true)) tokenizer.fail('.* suffix can only be used with `==` or `!=` operators');
    if (tokenizer.check('VERSION_LOCAL_LABEL_TRAIL', true)) tokenizer.fail('Local version label can only be used with `==` or `!=` operators');
    tokenizer.consume('WS');
    if (!tokenizer.check('COMMA')) break;
    parsed += tokenizer.read();
    tokenizer.consume('WS');
  }
  return parsed;
}

function parseRequirementMarker(tokenizer: Tokenizer, after: string): MarkerList {
  if (!tokenizer.check('SEMICOLON')) tokenizer.fail(`Expected end or semicolon (after ${after})`);
  tokenizer.read();
  const marker = parseMarker(tokenizer);
  tokenizer.consume('WS');
  return marker;
}

/**
 * Parses a PEP 508 requirement.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when `text` is not a requirement.
 */
export function parseRequirement(text: string): Requirement {
  return new Requirement(text);
}

/** `str(Requirement(text))`, or `undefined` when `text` does not parse. */
export function canonicalRequirement(text: string): string | undefined {
  try {
    return new Requirement(text).toString();
  } catch {
    return undefined;
  }
}

export { Version };
