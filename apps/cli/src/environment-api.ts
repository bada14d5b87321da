/**
 * The parts of @pyfunc/environment the CLI uses, under the names its commands call them.
 */
import * as environment from '@pyfunc/environment';

export type { EnvProgressEvent } from '@pyfunc/environment';

/** A parsed PEP 508 requirement. */
export type RequirementApi = environment.Requirement;

/** What the CLI needs from @pyfunc/environment. */
export type EnvironmentApi = Pick<typeof environment,
  'getEnvManager' | 'parseRequirement' | 'deduplicateRequirements' | 'parseCondaEnv' | 'dumpCondaEnv' | 'getPipDeps' | 'overwritePipDeps'>;

/** @pyfunc/environment (a function so commands keep one call site for it). */
export async function loadEnvironmentApi(..._needed: (keyof EnvironmentApi)[]): Promise<EnvironmentApi> {
  return environment;
}
