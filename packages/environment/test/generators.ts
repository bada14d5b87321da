/** Seeded generators for differential tests (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const names = ['numpy', 'pandas', 'Pandas', 'scikit-learn', 'scikit_learn', 'requests', 'mlflow', 'mlflow-skinny', 'x', 'a.b', 'Foo_Bar',
  'torch', 'pyspark', 'databricks-connect', 'markdown'];
const versions = ['1', '1.0', '1.0.0', '2.0', '1.5.2', '0.24', '1.0a1', '1.0rc2', '1.0.post1', '1.0.dev3', '2!1.0', '1.0+cu118', 'v1.2',
  '1.0.0-RC1', '3.10', '1.0-1', '1.4.2', '1.4.9', '1.5', '10.0.0b2', '0.0', '1.0.0.0'];
const ops = ['==', '>=', '<=', '<', '>', '!=', '~=', '==='];
const markers = ['python_version < "3.8"', "sys_platform=='linux'", 'os_name == "posix" and python_version>="3"',
  '(extra == "Foo_Bar" or platform_machine != "x86_64")', "python_version in '3.8 3.9'", "'linux' not in sys_platform"];

export function randomVersion(random: () => number): string {
  if (random() < 0.6) return pick(random, versions);
  const release = Array.from({ length: 1 + Math.floor(random() * 3) }, () => String(Math.floor(random() * 12))).join('.');
  const pre = random() < 0.2 ? pick(random, ['a', 'b', 'rc', 'alpha', 'c', '.pre']) + String(Math.floor(random() * 3)) : '';
  const post = random() < 0.15 ? pick(random, ['.post1', '-2', 'post0', '.r3']) : '';
  const dev = random() < 0.15 ? pick(random, ['.dev0', 'dev2', '.dev']) : '';
  const local = random() < 0.1 ? pick(random, ['+local', '+cu118', '+1.a', '+ubuntu-2']) : '';
  return release + pre + post + dev + local;
}

export function randomSpecifier(random: () => number): string {
  const op = pick(random, ops);
  let version = randomVersion(random);
  if ((op === '==' || op === '!=') && random() < 0.2) version = version.replace(/[^0-9.].*$/, '').replace(/\.$/, '') + '.*';
  if (op === '~=' && !version.includes('.')) version += '.0';
  const space = random() < 0.2 ? ' ' : '';
  return `${op}${space}${version}`;
}

export function randomRequirement(random: () => number): string {
  const roll = random();
  if (roll < 0.05) return pick(random, ['-e ./pkg', './local.whl', 'git+https://github.com/mlflow/mlflow@branch', '--index-url https://x',
    'pkg --hash=sha256:abc', 'mlflow @ git+https://github.com/mlflow/mlflow@branch', '==1', 'x[', 'x>=', 'x y', 'x >= 1.0 , < 2',
    'foo @ https://x/y.whl ; python_version<"3.8"', 'x>=1.0.0-RC1', 'x>1.0+local', 'x>=1.*', 'x (>=1,<2)', 'x;', 'name==1.0 ;']);
  let text = pick(random, names);
  if (random() < 0.2) text += `[${Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(random, ['socks', 'b', 'a', 'E1'])).join(random() < 0.5 ? ',' : ', ')}]`;
  if (random() < 0.08) {
    text += ` @ https://example.com/${pick(random, ['x.whl', 'a/b.tar.gz'])}`;
  } else {
    const count = Math.floor(random() * 3);
    const specs = Array.from({ length: count }, () => randomSpecifier(random));
    if (specs.length > 0) text += (random() < 0.3 ? ' ' : '') + specs.join(random() < 0.3 ? ' , ' : ',');
  }
  if (random() < 0.15) text += `${random() < 0.5 ? ' ' : ''};${random() < 0.5 ? ' ' : ''}${pick(random, markers)}`;
  return text;
}
