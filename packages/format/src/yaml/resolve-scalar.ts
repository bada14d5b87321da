/**
 * PyYAML's YAML 1.1 implicit resolvers (yaml/resolver.py, `Resolver`), shared by the reader
 * (which tag a plain scalar gets) and the writer (whether a string may be written plain).
 */

/** The tag suffixes (after `tag:yaml.org,2002:`) a plain scalar can resolve to. */
export type ImplicitTag = 'bool' | 'float' | 'int' | 'merge' | 'null' | 'timestamp' | 'value' | 'yaml' | 'str';

// Python's `$` also matches before one final line break, hence `\n?$`.
const boolPattern = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?$/;
const floatPattern = new RegExp('^(?:[-+]?[0-9][0-9_]*\\.[0-9_]*(?:[eE][-+][0-9]+)?' +
  '|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?' +
  '|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*' +
  '|[-+]?\\.(?:inf|Inf|INF)' +
  '|\\.(?:nan|NaN|NAN))\\n?$');
const intPattern = new RegExp('^(?:[-+]?0b[0-1_]+' +
  '|[-+]?0[0-7_]+' +
  '|[-+]?(?:0|[1-9][0-9_]*)' +
  '|[-+]?0x[0-9a-fA-F_]+' +
  '|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\\n?$');
const mergePattern = /^<<\n?$/;
const nullPattern = /^(?:~|null|Null|NULL|)\n?$/;
/** Also the constructor's pattern; groups: year, month, day, hour, minute, second, fraction, tz. */
export const timestampPattern = new RegExp('^([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)' +
  '(?:(?:[Tt]|[ \\t]+)([0-9][0-9]?):([0-9]{2}):([0-9]{2})(?:\\.([0-9]*))?' +
  '(?:[ \\t]*(Z|([-+])([0-9][0-9]?)(?::([0-9]{2}))?))?)?\\n?$');
const timestampResolverPattern = new RegExp('^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}' +
  '|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(?:\\.[0-9]*)?' +
  '(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?)\\n?$');
const valuePattern = /^=\n?$/;
const yamlPattern = /^(?:!|&|\*)\n?$/;

/**
 * The tag PyYAML's resolver gives a plain scalar with this text (`str` when none matches),
 * trying resolvers in PyYAML's order for the first character.
 */
export function resolvePlainScalarTag(value: string): ImplicitTag {
  if (value === '') return 'null';
  const first = value.charCodeAt(0);
  switch (first) {
    case 0x79: case 0x59: case 0x74: case 0x54: case 0x66: case 0x46: case 0x6f: case 0x4f: // yYtTfFoO
      return boolPattern.test(value) ? 'bool' : 'str';
    case 0x6e: case 0x4e: // nN
      if (boolPattern.test(value)) return 'bool';
      return nullPattern.test(value) ? 'null' : 'str';
    case 0x7e: // ~
      return nullPattern.test(value) ? 'null' : 'str';
    case 0x2b: case 0x2d: // + -
      if (floatPattern.test(value)) return 'float';
      return intPattern.test(value) ? 'int' : 'str';
    case 0x2e: // .
      return floatPattern.test(value) ? 'float' : 'str';
    case 0x3c: // <
      return mergePattern.test(value) ? 'merge' : 'str';
    case 0x3d: // =
      return valuePattern.test(value) ? 'value' : 'str';
    case 0x21: case 0x26: case 0x2a: // ! & *
      return yamlPattern.test(value) ? 'yaml' : 'str';
    default:
      if (first >= 0x30 && first <= 0x39) {
        if (floatPattern.test(value)) return 'float';
        if (intPattern.test(value)) return 'int';
        return timestampResolverPattern.test(value) ? 'timestamp' : 'str';
      }
      return 'str';
  }
}
