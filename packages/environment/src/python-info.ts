/**
 * Facts about a Python interpreter that the environment files record: its `X.Y.Z`, installed
 * distribution versions, and its PEP 508 marker environment. Gathered by running the
 * interpreter once (never from Node's own environment).
 */
import { execFile } from 'node:child_process';
import { MlflowException } from '@pyfunc/format';
import type { MarkerEnvironment } from './requirement.js';

/** What {@link getPythonInfo} reports. */
export interface PythonInfo {
  /** `platform.python_version()`, e.g. `3.10.12`. */
  version: string;
  /** Installed versions (`importlib.metadata.version`) of the packages asked for; `null` when not installed. */
  packages: Record<string, string | null>;
  /** `packaging.markers.default_environment()` as computed by that interpreter. */
  markerEnvironment: MarkerEnvironment;
  /** The interpreter's `sys.executable`. */
  executable: string;
}

const script = `
import importlib.metadata, json, os, platform, sys
names = json.loads(sys.argv[1])
def version(name):
    try:
        return importlib.metadata.version(name)
    except Exception:
        return None
def impl_version():
    info = sys.implementation.version
    v = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        v += info.releaselevel[0] + str(info.serial)
    return v
env = {
    "implementation_name": sys.implementation.name,
    "implementation_version": impl_version(),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
print(json.dumps({"version": platform.python_version(), "executable": sys.executable,
                  "packages": {n: version(n) for n in names}, "markerEnvironment": env}))
`;

/**
 * Runs `python` once and reports its version, the versions of `packages`, and its marker
 * environment.
 *
 * @param python - the interpreter (path or command on `PATH`).
 * @param packages - distribution names to look up (default: pip, setuptools, wheel).
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when the interpreter cannot be run.
 */
export function getPythonInfo(python: string, packages: readonly string[] = ['pip', 'setuptools', 'wheel']): Promise<PythonInfo> {
  return new Promise((resolvePromise, reject) => {
    execFile(python, ['-c', script, JSON.stringify(packages)], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new MlflowException('RESOURCE_DOES_NOT_EXIST',
            `Could not run the Python interpreter '${python}': ${stderr.trim() || error.message}`, { cause: error }));
          return;
        }
        try {
          resolvePromise(JSON.parse(stdout) as PythonInfo);
        } catch (parseError) {
          reject(new MlflowException('INTERNAL_ERROR', `Unexpected output from '${python}': ${stdout.slice(0, 200)}`, { cause: parseError }));
        }
      });
  });
}
