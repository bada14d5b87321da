import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMlflowRequirement } from '../src/mlflow-pin.js';
import { SpecifierSet, compareVersions } from '../src/pep440.js';
import { deduplicateRequirements, staticVersionConstraintValidator } from '../src/process-requirements.js';
import { PythonEnv, pythonStringRepr } from '../src/python-env.js';
import { Requirement } from '../src/requirement.js';
import { parseRequirements } from '../src/requirements.js';

const dir = mkdtempSync(join(tmpdir(), 'pyfunc-req-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spec conformance checks (environment.md 4, 5.5-5.6, 6, 12)', () => {
  it('parses requirement lists as MLflow', () => {
    expect(parseRequirements(['a==1 # pinned', 'b \\', '>=2', '# c', '', '  d  ', 'url#egg=x', 'x # c']).map((r) => r.reqStr))
      .toEqual(['a==1', 'b >=2', 'd', 'url#egg=x', 'x']);
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', 'extra.txt'), 'x\n-c cons.txt');
    writeFileSync(join(dir, 'm', 'cons.txt'), 'y<2');
    expect(parseRequirements(['-r extra.txt', '-rextra.txt'], { baseDir: join(dir, 'm') }).map((r) => [r.reqStr, r.isConstraint]))
      .toEqual([['x', false], ['y<2', true], ['-rextra.txt', false]]);
  });

  it('merges duplicates as MLflow 2.22 and 3.x', () => {
    const never = () => { throw new Error('unexpected validation'); };
    expect(deduplicateRequirements(['x>=1', 'x>=1.0'], { validateVersionConstraints: never })).toEqual(['x>=1.0']);
    expect(deduplicateRequirements(['markdown[e1]>=3.5.1', 'markdown[e2]<4', 'markdown'], { mlflowVersion: '2.22.5' })).toEqual(['markdown[e1,e2]>=3.5.1,<4']);
    expect(deduplicateRequirements(['markdown[e1]>=3.5.1', 'markdown[e2]<4', 'markdown'], { mlflowVersion: '3.17.2' })).toEqual(['markdown[e1,e2]<4,>=3.5.1']);
    expect(deduplicateRequirements(['x>=1,<3', 'x!=2'])).toEqual(['x<3,>=1,!=2']);
    // MLflow 3 keeps the PyPI pin only where packaging < 26 lets it strip the local label
    expect(deduplicateRequirements(['torch==2.0.0', 'torch==2.0.0+cu118'], { mlflowVersion: '3.17.2', packaging: 'legacy' })).toEqual(['torch==2.0.0']);
    expect(deduplicateRequirements(['torch==2.0.0', 'torch==2.0.0+cu118'], { mlflowVersion: '3.17.2', validateVersionConstraints: () => undefined }))
      .toEqual(['torch==2.0.0,==2.0.0+cu118']);
    expect(deduplicateRequirements(['x>=1.0,<2', 'x>=1'], { mlflowVersion: '3.17.2' })).toEqual(['x<2,>=1']);
  });

  it('refuses unsatisfiable merges statically', () => {
    expect(() => deduplicateRequirements(['scikit-learn==1.1', 'scikit-learn<1'])).toThrow(expect.objectContaining({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('The specified requirements versions are incompatible') }));
    for (const ok of [['a>1.0', 'a<2.0'], ['a~=1.4.2', 'a!=1.4.5'], ['a==1.*', 'a>=1.5'], ['a>=1.0rc1', 'a<1.1'], ['a==2.0+local', 'a>=2']] as const) {
      expect(() => staticVersionConstraintValidator([...ok]), ok.join(' ')).not.toThrow();
    }
    for (const bad of [['a>2', 'a<1'], ['a==1.0', 'a!=1.0'], ['a~=1.4', 'a>=2'], ['a==1.*', 'a>=2']] as const) {
      expect(() => staticVersionConstraintValidator([...bad]), bad.join(' ')).toThrow();
    }
  });

  it('recognises MLflow requirements', () => {
    expect(isMlflowRequirement('mlflow --hash=sha256:abc')).toBe(true);
    expect(isMlflowRequirement('mlflowx==1')).toBe(false);
    expect(isMlflowRequirement('./dist/mlflow-2.22.0.whl')).toBe(true);
    expect(isMlflowRequirement('mlflow-tracing==3.1', { mlflowVersion: '2.22.5' })).toBe(false);
    expect(isMlflowRequirement('mlflow-tracing==3.1', { mlflowVersion: '3.17.2' })).toBe(true);
  });

  it('renders and orders as PEP 440/508 say', () => {
    expect(new Requirement('Pandas[b,a] == 1.0 ; python_version < "3.8"').toString()).toBe('Pandas[a,b]==1.0; python_version < "3.8"');
    expect(new Requirement("x;sys_platform=='linux'").toString()).toBe('x; sys_platform == "linux"');
    expect(compareVersions('1.0.dev1', '1.0a1')).toBeLessThan(0);
    expect(compareVersions('1!2.0', '3.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
    expect(new SpecifierSet('~=1.4.2').contains('1.4.9')).toBe(true);
    expect(new SpecifierSet('~=1.4.2').contains('1.5')).toBe(false);
    expect(new SpecifierSet('>=1.0').contains('2.0.0rc1')).toBe(false);
    expect(new SpecifierSet('>=1.0').contains('2.0.0rc1', { packaging: '26' })).toBe(true);
  });

  it('hashes python_env as Python repr (environment.md 10.6 vector)', () => {
    const env = PythonEnv.current({ pythonVersion: '3.10.12', buildPackageVersions: { pip: '23.2.1', setuptools: '68.0.0', wheel: '0.41.2' } });
    expect(env.toString()).toBe("{'python': '3.10.12', 'build_dependencies': ['pip==23.2.1', 'setuptools==68.0.0', 'wheel==0.41.2'], 'dependencies': ['-r requirements.txt']}");
    expect(pythonStringRepr("it's")).toBe('"it\'s"');
    expect(pythonStringRepr('a\'b"c\n')).toBe("'a\\'b\"c\\n'");
  });
});
