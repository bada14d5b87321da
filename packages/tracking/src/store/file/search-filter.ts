/**
 * The subset of MLflow's registry filter grammar the file store evaluates:
 * `<key> <op> <value>` clauses joined by `AND`, keys `name`, `run_id`, `source_path`,
 * `version_number`, `tags.<key>`; operators `=`, `!=`, `LIKE`, `ILIKE`, `IN` (and `<`, `>` ... on
 * numbers); values quoted strings, numbers or `('a', 'b')` lists.
 */
import { MlflowException } from '@pyfunc/format';

/** One parsed clause. */
export interface FilterClause {
  /** `attribute` or `tag`. */
  type: 'attribute' | 'tag';
  key: string;
  comparator: string;
  value: string | string[];
}

const token = /\s*(?:(\()|(\))|(,)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(`[^`]*`)|(!=|<=|>=|=|<|>)|([A-Za-z_][\w.]*(?:\.`[^`]*`)?)|(-?\d+(?:\.\d+)?))/y;

function invalid(message: string): MlflowException {
  return MlflowException.invalidParameterValue(message);
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Parses `filter` into clauses; an empty or missing filter has none. */
export function parseFilter(filter: string | undefined, validKeys: ReadonlySet<string>): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens: string[] = [];
  token.lastIndex = 0;
  let position = 0;
  while (position < filter.length) {
    if (/^\s*$/.test(filter.slice(position))) break;
    token.lastIndex = position;
    const match = token.exec(filter);
    if (match === null) throw invalid(`Invalid filter string '${filter}'`);
    tokens.push(match[0].trim());
    position = token.lastIndex;
  }
  const clauses: FilterClause[] = [];
  let i = 0;
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw invalid(`Invalid filter string '${filter}'`);
    return t;
  };
  for (;;) {
    const identifier = next();
    let type: FilterClause['type'] = 'attribute';
    let key = identifier;
    const tagMatch = /^(?:tags?)\.(.+)$/i.exec(identifier);
    if (tagMatch !== null) {
      type = 'tag';
      key = tagMatch[1]!.startsWith('`') ? tagMatch[1]!.slice(1, -1) : tagMatch[1]!;
    } else if (identifier.startsWith('`')) {
      key = identifier.slice(1, -1);
    }
    if (type === 'attribute' && !validKeys.has(key)) {
      throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '${[...validKeys].join("', '")}'`);
    }
    let comparator = next().toUpperCase();
    if (comparator === 'NOT') comparator = `NOT ${next().toUpperCase()}`;
    let value: string | string[];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (next() !== '(') throw invalid(`Invalid filter string '${filter}'`);
      const values: string[] = [];
      for (;;) {
        const v = next();
        values.push(/^['"]/.test(v) ? unquote(v) : v);
        const separator = next();
        if (separator === ')') break;
        if (separator !== ',') throw invalid(`Invalid filter string '${filter}'`);
      }
      value = values;
    } else {
      const v = next();
      value = /^['"]/.test(v) ? unquote(v) : v;
    }
    clauses.push({ type, key, comparator, value });
    if (i >= tokens.length) break;
    if (next().toUpperCase() !== 'AND') throw invalid(`Invalid filter string '${filter}'`);
  }
  return clauses;
}

function likeToRegExp(pattern: string, flags: string): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, `s${flags}`);
}

/** Whether `lhs` satisfies one clause's comparison; a missing value never matches. */
export function compare(lhs: string | number | null | undefined, comparator: string, value: string | string[]): boolean {
  if (lhs === null || lhs === undefined) return false;
  if (Array.isArray(value)) {
    const inList = value.includes(String(lhs));
    return comparator === 'IN' ? inList : !inList;
  }
  if (typeof lhs === 'number') {
    const rhs = Number(value);
    switch (comparator) {
      case '=': return lhs === rhs;
      case '!=': return lhs !== rhs;
      case '<': return lhs < rhs;
      case '<=': return lhs <= rhs;
      case '>': return lhs > rhs;
      case '>=': return lhs >= rhs;
      default: throw invalid(`Invalid comparator '${comparator}' not one of '=, !=, <, <=, >, >='`);
    }
  }
  switch (comparator) {
    case '=': return lhs === value;
    case '!=': return lhs !== value;
    case 'LIKE': return likeToRegExp(value, 'u').test(lhs);
    case 'ILIKE': return likeToRegExp(value, 'iu').test(lhs);
    default: throw invalid(`Invalid comparator '${comparator}' not one of '=, !=, LIKE, ILIKE, IN'`);
  }
}
