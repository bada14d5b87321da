/**
 * PEP 440 versions and specifiers with the semantics of Python's `packaging` (the library MLflow
 * calls): parsing and normalisation (`str(Version(...))`), ordering, `Specifier` /
 * `SpecifierSet` rendering and `contains` with packaging's pre-release, post-release and local
 * label rules (environment.md 12.4-12.5).
 */
import { MlflowException, compareCodePoints } from '@pyfunc/format';

const VERSION_BODY =
  'v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
  '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
  '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
  '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)' +
  '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?';
// Python's `\s` in a str pattern: Unicode whitespace plus the ASCII separators \x1c-\x1f.
const PY_SPACE = '[\\s\\x1c-\\x1f\\x85]';
const versionRegex = new RegExp(`^${PY_SPACE}*${VERSION_BODY}${PY_SPACE}*$`, 'i');

type LocalPart = bigint | string;

/** A parsed PEP 440 version, as `packaging.version.Version`. */
export class Version {
  readonly epoch: bigint;
  readonly release: readonly bigint[];
  readonly pre: readonly [string, bigint] | undefined;
  readonly post: bigint | undefined;
  readonly dev: bigint | undefined;
  readonly local: readonly LocalPart[] | undefined;

  /**
   * @param text - a version string (surrounding whitespace and a leading `v` allowed).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE `Invalid version: '<text>'`.
   */
  constructor(text: string) {
    const groups = versionRegex.exec(text)?.groups;
    if (groups === undefined) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid version: '${text}'`);
    }
    this.epoch = BigInt(groups.epoch ?? '0');
    this.release = groups.release!.split('.').map((part) => BigInt(part));
    if (groups.pre_l !== undefined) {
      const letter = groups.pre_l.toLowerCase();
      const normal = letter === 'alpha' ? 'a' : letter === 'beta' ? 'b'
        : ['c', 'pre', 'preview'].includes(letter) ? 'rc' : letter;
      this.pre = [normal, BigInt(groups.pre_n ?? '0')];
    }
    if (groups.post !== undefined) this.post = BigInt(groups.post_n1 ?? groups.post_n2 ?? '0');
    if (groups.dev !== undefined) this.dev = BigInt(groups.dev_n ?? '0');
    if (groups.local !== undefined) {
      this.local = groups.local.toLowerCase().split(/[-_.]/).map((part) => (/^[0-9]+$/.test(part) ? BigInt(part) : part));
    }
  }

  /** Whether `text` is a valid PEP 440 version. */
  static isValid(text: string): boolean {
    return versionRegex.test(text);
  }

  /** `X.Y.Z` with epoch, no pre/post/dev/local (packaging's `base_version`). */
  get baseVersion(): string {
    return `${this.epoch !== 0n ? `${this.epoch}!` : ''}${this.release.join('.')}`;
  }

  /** The normalised version without its local label. */
  get public(): string {
    return this.toString().split('+')[0]!;
  }

  get isPrerelease(): boolean {
    return this.dev !== undefined || this.pre !== undefined;
  }

  get isPostrelease(): boolean {
    return this.post !== undefined;
  }

  get isDevrelease(): boolean {
    return this.dev !== undefined;
  }

  get major(): bigint {
    return this.release[0] ?? 0n;
  }

  get minor(): bigint {
    return this.release[1] ?? 0n;
  }

  get micro(): bigint {
    return this.release[2] ?? 0n;
  }

  /** The normalised form, `str(Version(text))`. */
  toString(): string {
    let text = this.baseVersion;
    if (this.pre !== undefined) text += `${this.pre[0]}${this.pre[1]}`;
    if (this.post !== undefined) text += `.post${this.post}`;
    if (this.dev !== undefined) text += `.dev${this.dev}`;
    if (this.local !== undefined) text += `+${this.local.join('.')}`;
    return text;
  }

  /** Negative, zero or positive as `this` sorts before, equal to or after `other`. */
  compare(other: Version): number {
    return compareVersionObjects(this, other);
  }
}

const NEG = -1; // stands for -Infinity in a key slot
const POS = 1; // +Infinity

function sign(value: bigint): number {
  return value < 0n ? -1 : value > 0n ? 1 : 0;
}

function compareReleases(a: readonly bigint[], b: readonly bigint[]): number {
  const trim = (release: readonly bigint[]) => {
    let end = release.length;
    while (end > 0 && release[end - 1] === 0n) end--;
    return release.slice(0, end);
  };
  const x = trim(a);
  const y = trim(b);
  for (let index = 0; index < Math.min(x.length, y.length); index++) {
    const difference = sign(x[index]! - y[index]!);
    if (difference !== 0) return difference;
  }
  return sign(BigInt(x.length - y.length));
}

/** -Infinity, +Infinity, or a (letter, number) pair: packaging's `_cmpkey` pre slot. */
function preKey(version: Version): number | readonly [string, bigint] {
  if (version.pre === undefined && version.post === undefined && version.dev !== undefined) return NEG;
  return version.pre ?? POS;
}

function compareSlot(a: number | readonly [string, bigint] | bigint, b: number | readonly [string, bigint] | bigint): number {
  const rank = (value: typeof a) => (typeof value === 'number' ? value * 2 : 0);
  if (typeof a === 'number' || typeof b === 'number') return Math.sign(rank(a) - rank(b));
  if (typeof a === 'bigint' && typeof b === 'bigint') return sign(a - b);
  const [la, na] = a as readonly [string, bigint];
  const [lb, nb] = b as readonly [string, bigint];
  return la !== lb ? compareCodePoints(la, lb) : sign(na - nb);
}

function compareLocal(a: readonly LocalPart[] | undefined, b: readonly LocalPart[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const x = a[index]!;
    const y = b[index]!;
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      if (x !== y) return sign(x - y);
    } else if (typeof x === 'bigint') {
      return 1;
    } else if (typeof y === 'bigint') {
      return -1;
    } else if (x !== y) {
      return compareCodePoints(x, y);
    }
  }
  return Math.sign(a.length - b.length);
}

function compareVersionObjects(a: Version, b: Version): number {
  return sign(a.epoch - b.epoch) ||
    compareReleases(a.release, b.release) ||
    compareSlot(preKey(a), preKey(b)) ||
    compareSlot(a.post ?? NEG, b.post ?? NEG) ||
    compareSlot(a.dev ?? POS, b.dev ?? POS) ||
    compareLocal(a.local, b.local);
}

/** Parses a PEP 440 version. @throws {MlflowException} INVALID_PARAMETER_VALUE when invalid. */
export function parseVersion(text: string): Version {
  return new Version(text);
}

/**
 * Compares two versions by PEP 440 ordering.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when either is not a valid version.
 */
export function compareVersions(a: string | Version, b: string | Version): number {
  return compareVersionObjects(typeof a === 'string' ? new Version(a) : a, typeof b === 'string' ? new Version(b) : b);
}

// ---- specifiers ----------------------------------------------------------------------------

const PRE = '(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?';
const POST = '(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?';
const DEV = '(?:[-_.]?dev[-_.]?[0-9]*)?';
const specifierVersionSource: Record<string, string> = {
  '===': `${PY_SPACE}*[^\\s;)]*`,
  '==': `${PY_SPACE}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${PRE}${POST}${DEV}(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?)?`,
  '~=': `${PY_SPACE}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV}`,
  '<': `${PY_SPACE}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV}`,
};
specifierVersionSource['!='] = specifierVersionSource['==']!;
for (const op of ['<=', '>=', '>']) specifierVersionSource[op] = specifierVersionSource['<']!;

/** The operators of PEP 440, longest first (the order a tokenizer must try them). */
export const SPECIFIER_OPERATORS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'] as const;
export type SpecifierOperator = (typeof SPECIFIER_OPERATORS)[number];

/**
 * The regex source (no anchors, case-insensitive) of one specifier `op version`, as packaging's
 * `Specifier._regex` without its surrounding whitespace: used by the PEP 508 tokenizer.
 */
export const SPECIFIER_PATTERN = `(?:${SPECIFIER_OPERATORS.map((op) => `${escapeRegex(op)}(?:${specifierVersionSource[op]})`).join('|')})`;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const specifierRegex = new RegExp(`^${PY_SPACE}*(${SPECIFIER_OPERATORS.map(escapeRegex).join('|')})(.*?)${PY_SPACE}*$`, 'is');

/** Options of `contains`. */
export interface ContainsOptions {
  /** Allow pre-releases (`true`), refuse them (`false`) or decide from the specifiers (default). */
  prereleases?: boolean;
  /**
   * Which `packaging` release's default to follow when `prereleases` is not given: `'legacy'`
   * (packaging < 26, the spec's rule: a pre-release only matches a set that names one) or `'26'`
   * (packaging >= 26: a single pre-release version matches when it satisfies the specifiers).
   */
  packaging?: PackagingCompat;
}

/** The `packaging` behaviour to follow where releases differ: `'legacy'` (< 26, default) or `'26'`. */
export type PackagingCompat = 'legacy' | '26';

/** The smallest PEP 440 version. */
const MIN_VERSION = new Version('0.dev0');

function versionSplit(version: string): string[] {
  const bang = version.lastIndexOf('!');
  const result = [bang === -1 ? '0' : version.slice(0, bang) || '0'];
  for (const item of version.slice(bang + 1).split('.')) {
    const match = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/.exec(item);
    if (match !== null) result.push(match[1]!, match[2]!);
    else result.push(item);
  }
  return result;
}

function canonicalOrSelf(text: string): string {
  return Version.isValid(text) ? new Version(text).toString() : text;
}

/** One PEP 440 specifier (`>=1.0`), as `packaging.specifiers.Specifier`. */
export class Specifier {
  readonly operator: SpecifierOperator;
  /** The version text as written (whitespace stripped). */
  readonly version: string;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE `Invalid specifier: '<text>'`. */
  constructor(text: string) {
    const match = specifierRegex.exec(text);
    const operator = match?.[1] as SpecifierOperator | undefined;
    const valid = match !== null && operator !== undefined &&
      new RegExp(`^(?:${specifierVersionSource[operator]})$`, 'i').test(match[2]!);
    if (!valid) throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid specifier: '${text}'`);
    this.operator = operator;
    this.version = match[2]!.trim();
  }

  /** `op` + version as written. */
  toString(): string {
    return `${this.operator}${this.version}`;
  }

  /** Whether this specifier itself admits pre-releases (packaging's `prereleases`). */
  get prereleases(): boolean {
    if (!['==', '>=', '<=', '~=', '===', '>', '<'].includes(this.operator)) return false;
    const version = this.operator === '==' && this.version.endsWith('.*') ? this.version.slice(0, -2) : this.version;
    return Version.isValid(version) && new Version(version).isPrerelease;
  }

  /** packaging's `_canonical_spec`, for equality. */
  canonical(): string {
    if (!Version.isValid(this.version)) return `${this.operator}${this.version}`;
    const version = new Version(this.version);
    let text = version.toString();
    if (this.operator !== '~=') {
      // strip trailing zeros of the release, as canonicalize_version does
      const release = [...version.release];
      while (release.length > 1 && release[release.length - 1] === 0n) release.pop();
      text = text.replace(/^((?:\d+!)?)[0-9.]+/, `$1${release.join('.')}`);
    }
    return `${this.operator}${text}`;
  }

  /** Whether `version` satisfies this specifier. */
  contains(version: string | Version, options: ContainsOptions = {}): boolean {
    const item = typeof version === 'string' ? new Version(version) : version;
    const prereleases = options.prereleases ?? this.prereleases;
    if (item.isPrerelease && !prereleases) return false;
    return (options.packaging === '26' ? this.#operate26(item) : undefined) ?? this.#operate(item, this.version);
  }

  /**
   * packaging 26 matches `~=`, `<` and `>` against ranges built from the parsed version, where
   * 24.x worked on the version text (so `~=v1.2` matched nothing) and carved out whole base
   * releases; `undefined` for the operators whose results agree (the 24.x path answers).
   */
  /** The specifier's version, parsed once (for packaging 26's version-based operators). */
  #parsed: Version | undefined;

  #operate26(prospective: Version): boolean | undefined {
    if (this.operator !== '~=' && this.operator !== '<' && this.operator !== '>') return undefined;
    const spec = (this.#parsed ??= new Version(this.version));
    const epoch = spec.epoch !== 0n ? `${spec.epoch}!` : '';
    switch (this.operator) {
      case '~=': {
        // [V, next release of V's prefix .dev0)
        const prefix = spec.release.slice(0, -1);
        const upper = new Version(`${epoch}${[...prefix.slice(0, -1), prefix[prefix.length - 1]! + 1n].join('.')}.dev0`);
        return compareVersionObjects(prospective, spec) >= 0 && compareVersionObjects(prospective, upper) < 0;
      }
      case '<': {
        // below V.dev0 unless V is itself a pre-release; nothing lies below 0.dev0
        const bound = spec.isPrerelease ? spec : new Version(`${spec.toString()}.dev0`);
        if (compareVersionObjects(bound, MIN_VERSION) <= 0) return false;
        return compareVersionObjects(prospective, bound) < 0;
      }
      case '>': {
        const pre = spec.pre === undefined ? '' : `${spec.pre[0]}${spec.pre[1]}`;
        const post = spec.post === undefined ? '' : `.post${spec.post}`;
        if (spec.dev !== undefined) return compareVersionObjects(prospective, new Version(`${spec.baseVersion}${pre}${post}.dev${spec.dev + 1n}`)) >= 0;
        if (spec.post !== undefined) return compareVersionObjects(prospective, new Version(`${spec.baseVersion}${pre}.post${spec.post + 1n}.dev0`)) >= 0;
        // above V's whole post-release family (same epoch, release and pre-release)
        return (sign(prospective.epoch - spec.epoch) || compareReleases(prospective.release, spec.release) ||
          compareSlot(preKey(prospective), preKey(spec))) > 0;
      }
    }
  }

  #operate(prospective: Version, spec: string): boolean {
    switch (this.operator) {
      case '~=': {
        const parts = versionSplit(spec);
        const kept: string[] = [];
        for (const part of parts) {
          if (['dev', 'a', 'b', 'rc', 'post'].some((suffix) => part.startsWith(suffix))) break;
          kept.push(part);
        }
        const prefix = `${kept[0]}!${kept.slice(1, -1).join('.')}.*`;
        return compareVersionObjects(new Version(prospective.public), new Version(spec)) >= 0 &&
          equalTo(prospective, prefix);
      }
      case '==':
        return equalTo(prospective, spec);
      case '!=':
        return !equalTo(prospective, spec);
      case '<=':
        return compareVersionObjects(new Version(prospective.public), new Version(spec)) <= 0;
      case '>=':
        return compareVersionObjects(new Version(prospective.public), new Version(spec)) >= 0;
      case '<': {
        const target = new Version(spec);
        if (!(compareVersionObjects(prospective, target) < 0)) return false;
        if (!target.isPrerelease && prospective.isPrerelease &&
          compareVersions(prospective.baseVersion, target.baseVersion) === 0) return false;
        return true;
      }
      case '>': {
        const target = new Version(spec);
        if (!(compareVersionObjects(prospective, target) > 0)) return false;
        if (!target.isPostrelease && prospective.isPostrelease &&
          compareVersions(prospective.baseVersion, target.baseVersion) === 0) return false;
        if (prospective.local !== undefined && compareVersions(prospective.baseVersion, target.baseVersion) === 0) return false;
        return true;
      }
      case '===':
        return prospective.toString().toLowerCase() === spec.toLowerCase();
    }
  }
}

function equalTo(prospective: Version, spec: string): boolean {
  if (spec.endsWith('.*')) {
    const splitSpec = versionSplit(canonicalOrSelf(spec.slice(0, -2)));
    const splitProspective = versionSplit(canonicalOrSelf(prospective.public));
    // pad the numeric leading part of the prospective with zeros to the spec's length
    const digits = (parts: string[]) => {
      let count = 0;
      while (count < parts.length && /^[0-9]+$/.test(parts[count]!)) count++;
      return count;
    };
    const prospectiveDigits = digits(splitProspective);
    const specDigits = digits(splitSpec);
    const padded = [
      ...splitProspective.slice(0, prospectiveDigits),
      ...Array<string>(Math.max(0, specDigits - prospectiveDigits)).fill('0'),
      ...splitProspective.slice(prospectiveDigits),
    ];
    const shortened = padded.slice(0, splitSpec.length);
    return shortened.length === splitSpec.length && shortened.every((part, index) => part === splitSpec[index]);
  }
  const specVersion = new Version(spec);
  const candidate = specVersion.local === undefined ? new Version(prospective.public) : prospective;
  return compareVersionObjects(candidate, specVersion) === 0;
}

/** A comma-separated set of specifiers, as `packaging.specifiers.SpecifierSet`. */
export class SpecifierSet {
  readonly specifiers: readonly Specifier[];

  /**
   * Canonically equal specifiers (`>=1`, `>=1.0`) are kept once: packaging 24.x keeps the first
   * written, packaging 26 the first in code-point order of their strings (so `>=1.0,>=1` is
   * `>=1`), and lists the set in that order.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when a specifier is invalid.
   */
  constructor(text = '', options: { packaging?: PackagingCompat } = {}) {
    const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
    const specifiers = parts.map((part) => new Specifier(part));
    if (options.packaging === '26') specifiers.sort((a, b) => compareCodePoints(a.toString(), b.toString()));
    const unique = new Map<string, Specifier>();
    for (const specifier of specifiers) {
      const key = specifier.canonical();
      if (!unique.has(key)) unique.set(key, specifier);
    }
    this.specifiers = [...unique.values()];
  }

  /** Number of distinct specifiers. */
  get size(): number {
    return this.specifiers.length;
  }

  /** The specifiers' strings sorted by code point and joined by `,` (`str(SpecifierSet)`). */
  toString(): string {
    return this.specifiers.map((s) => s.toString()).sort(compareCodePoints).join(',');
  }

  /** Whether any specifier admits pre-releases; `undefined` for an empty set. */
  get prereleases(): boolean | undefined {
    if (this.specifiers.length === 0) return undefined;
    return this.specifiers.some((s) => s.prereleases);
  }

  /** Set equality on canonical specifiers (`>=1` equals `>=1.0`). */
  equals(other: SpecifierSet): boolean {
    const a = new Set(this.specifiers.map((s) => s.canonical()));
    const b = new Set(other.specifiers.map((s) => s.canonical()));
    return a.size === b.size && [...a].every((item) => b.has(item));
  }

  /**
   * Whether `version` satisfies every specifier, with packaging's default pre-release rule.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when `version` is not a valid version.
   */
  contains(version: string | Version, options: ContainsOptions = {}): boolean {
    const item = typeof version === 'string' ? new Version(version) : version;
    const prereleases = options.prereleases ?? (options.packaging === '26' ? true : this.prereleases);
    if (!prereleases && item.isPrerelease) return false;
    return this.specifiers.every((s) => s.contains(item, { prereleases: prereleases ?? false, packaging: options.packaging }));
  }
}
