/**
 * The conformance suite every env manager passes, published as `@pyfunc/environment/test`
 * (needs vitest). The fixture's model directory should be one real MLflow saved.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import type { EnvManager, Environment, PrepareOptions } from '../env-managers/env-manager.js';

/** What {@link describeEnvManagerConformance} needs. */
export interface EnvManagerFixture {
  manager: EnvManager;
  /** A model directory written by MLflow (MLmodel, python_env.yaml, requirements.txt, ...). */
  modelDir: string;
  /** Options for `prepare` (a temporary `cacheDir` above all). */
  options: PrepareOptions;
  /** Python modules that must import inside the environment, e.g. `['sklearn', 'mlflow']`. */
  imports: string[];
}

/** Registers the env-manager conformance tests for `name`. */
export function describeEnvManagerConformance(name: string, factory: () => Promise<EnvManagerFixture>): void {
  describe(`${name} env manager conformance`, () => {
    let fixture: EnvManagerFixture;
    let environment: Environment;
    const phases: string[] = [];
    beforeAll(async () => {
      fixture = await factory();
      environment = await fixture.manager.prepare(fixture.modelDir, {
        ...fixture.options, onProgress: (event) => { phases.push(event.phase); fixture.options.onProgress?.(event); },
      });
    });

    it('restores an environment in which the model imports', async () => {
      expect(environment.envManager).toBe(fixture.manager.name);
      const code = `import ${fixture.imports.join(', ')}; print('ok')`;
      const result = await environment.execute(['python', '-c', code]);
      expect(result.stdout.trim()).toBe('ok');
      expect(phases[0]).toBe('resolving');
      expect(phases.at(-1)).toBe('done');
    });

    it('runs shell commands after the activation commands', async () => {
      const result = await environment.execute('python -c "import sys; print(sys.executable)"');
      const expected = await environment.execute(['python', '-c', 'import sys; print(sys.executable)']);
      expect(result.stdout).toBe(expected.stdout);
      if (environment.path !== undefined) expect(result.stdout.trim().startsWith(environment.path)).toBe(true);
    });

    it('reports a failing command with a coded error, or its exit code when asked', async () => {
      await expect(environment.execute(['python', '-c', 'import sys; sys.stderr.write("boom"); sys.exit(3)']))
        .rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR', message: expect.stringContaining('boom') });
      const result = await environment.execute('exit 4', { check: false });
      expect(result.exitCode).toBe(4);
    });

    it('reuses the environment on a second prepare', async () => {
      const again = await fixture.manager.prepare(fixture.modelDir, fixture.options);
      expect(again.path).toBe(environment.path);
      expect(again.name).toBe(environment.name);
      if (fixture.manager.name !== 'local') expect(again.built).toBe(false);
    });

    it('refuses a directory that is not a model', async () => {
      await expect(fixture.manager.prepare(`${fixture.modelDir}/no-such-dir`, fixture.options))
        .rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    });
  });
}
