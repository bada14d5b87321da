/**
 * Bundling a model's code at save time (DESIGN.md "loading TS model code"): one ESM file with
 * every dependency inside, except node builtins and `@pyfunc/runtime` / `@pyfunc/format`, which
 * the loading process provides (so classes such as `PythonModel` and `Frame` are the loader's own).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MlflowException } from '@pyfunc/format';

/** The packages a bundle takes from the process that loads it. */
export const hostProvidedPackages = ['@pyfunc/runtime', '@pyfunc/format'] as const;

const hostKey = 'pyfunc.runtime.host';

/** @internal The modules a bundle's `@pyfunc/*` imports resolve to; set by the runtime before a bundle loads. */
export function setHostModules(modules: Record<string, Record<string, unknown>>): void {
  (globalThis as unknown as Record<symbol, unknown>)[Symbol.for(hostKey)] = modules;
}

/** What {@link bundleModelCode} produced. */
export interface BundleResult {
  /** sha256 (hex) of the bundle's bytes, recorded in the flavor to detect a damaged file. */
  sha256: string;
  /** Source files that went into the bundle (absolute), for diagnostics. */
  inputs: string[];
}

function hostModuleSource(name: string, exportNames: readonly string[]): string {
  const lines = [
    `const host = globalThis[Symbol.for(${JSON.stringify(hostKey)})]?.[${JSON.stringify(name)}];`,
    `if (host === undefined) throw new Error(${JSON.stringify(`This model bundle must be loaded by ${name} (loadModel), not imported directly.`)});`,
  ];
  for (const exportName of exportNames) {
    if (/^[A-Za-z_$][\w$]*$/.test(exportName) && exportName !== 'default') {
      lines.push(`export const ${exportName} = host[${JSON.stringify(exportName)}];`);
    }
  }
  return lines.join('\n');
}

/**
 * Bundles `entry` (a .ts/.js/.mjs module) into `outfile`: platform node, ESM, all dependencies
 * inlined except node builtins and the host-provided `@pyfunc/*` packages.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE naming the file and esbuild's errors when the
 *   code cannot be bundled (syntax errors, unresolvable imports).
 */
export async function bundleModelCode(
  entry: string,
  outfile: string,
  hostExports: Record<string, readonly string[]>,
): Promise<BundleResult> {
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
      sourcemap: false,
      legalComments: 'none',
      // CommonJS dependencies that `require` builtins need a `require` in ESM output.
      banner: { js: "import { createRequire as __pyfuncCreateRequire } from 'node:module';\nconst require = __pyfuncCreateRequire(import.meta.url);" },
      plugins: [{
        name: 'pyfunc-host',
        setup(build) {
          build.onResolve({ filter: /^@pyfunc\/(runtime|format)$/ }, (args) => ({ path: args.path, namespace: 'pyfunc-host' }));
          build.onLoad({ filter: /.*/, namespace: 'pyfunc-host' }, (args) => ({
            contents: hostModuleSource(args.path, hostExports[args.path] ?? []),
            loader: 'js',
          }));
        },
      }],
    });
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const detail = errors?.map((item) => item.location ? `${item.location.file}:${item.location.line}: ${item.text}` : item.text).join('; ')
      ?? (error instanceof Error ? error.message : String(error));
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Failed to bundle the model code '${entry}' into a self-contained module: ${detail}`, { cause: error, path: entry });
  }
  const bytes = await readFile(outfile);
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    inputs: Object.keys(result.metafile?.inputs ?? {}),
  };
}

/** sha256 (hex) of a file. */
export async function fileSha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}
