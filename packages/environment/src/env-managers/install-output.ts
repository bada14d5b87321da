/**
 * Reads pip's and uv's output: progress events while they run, and on failure the
 * requirement that failed plus an MLflow error code.
 */
import { MlflowException, type ErrorCode } from '@pyfunc/format';
import type { EnvProgressEvent } from './env-manager.js';

type InstallStep = 'build_dependencies' | 'dependencies' | 'override';

/** Turns pip/uv output lines into {@link EnvProgressEvent}s (counts where the tool gives them). */
export class InstallProgressParser {
  private downloaded = 0;
  private installTotal: number | undefined;
  private installed = 0;

  constructor(private readonly step: InstallStep, private readonly emit: (event: EnvProgressEvent) => void) {}

  /** Feeds one line of pip's or uv's stdout/stderr. */
  line(raw: string): void {
    const line = raw.trim();
    let match: RegExpExecArray | null;
    if ((match = /^(?:Downloading|Using cached|Downloaded)\s+(\S+)/.exec(line)) !== null && !line.startsWith('Downloading https')) {
      if (!line.startsWith('Downloaded')) this.downloaded += 1;
      this.emit({ phase: 'downloading', package: match[1], completed: this.downloaded });
    } else if ((match = /^Resolved (\d+) packages?/.exec(line)) !== null) {
      this.installTotal = Number(match[1]);
      this.emit({ phase: 'downloading', completed: 0, total: this.installTotal });
    } else if ((match = /^Prepared (\d+) packages?/.exec(line)) !== null) {
      this.emit({ phase: 'downloading', completed: Number(match[1]), total: Number(match[1]) });
    } else if ((match = /^Installing collected packages: (.+)$/.exec(line)) !== null) {
      this.installTotal = match[1]!.split(',').length;
      this.emit({ phase: 'installing', step: this.step, completed: 0, total: this.installTotal });
    } else if ((match = /^\+ (\S+)/.exec(line)) !== null) {
      this.installed += 1;
      this.emit({ phase: 'installing', step: this.step, package: match[1], completed: this.installed });
    } else if ((match = /^Installed (\d+) packages?/.exec(line)) !== null) {
      const count = Number(match[1]);
      this.emit({ phase: 'installing', step: this.step, completed: count, total: count });
    } else if ((match = /^Successfully installed (.+)$/.exec(line)) !== null) {
      const count = match[1]!.split(/\s+/).length;
      this.emit({ phase: 'installing', step: this.step, completed: count, total: this.installTotal ?? count });
    }
  }
}

/** What a failed pip/uv run was about. */
export interface InstallFailure {
  errorCode: ErrorCode;
  /** The requirement the tool named as failing, when it named one. */
  requirement: string | undefined;
  /** The tool's own error text (its `ERROR:` / `×` lines and what follows). */
  toolMessage: string;
}

/** Reads pip's or uv's error output. */
export function analyzeInstallFailure(output: string): InstallFailure {
  const lines = output.split(/\r?\n/);
  const start = lines.findIndex((l) => /^\s*(ERROR:|error:|×)/.test(l));
  const toolMessage = (start >= 0 ? lines.slice(start) : lines.slice(-30)).join('\n').trim();
  const flat = output.replace(/\s*\n\s*/g, ' ');
  let match: RegExpExecArray | null;
  if ((match = /No matching distribution found for (\S+)/.exec(flat)) !== null) {
    return { errorCode: 'RESOURCE_DOES_NOT_EXIST', requirement: match[1], toolMessage };
  }
  if ((match = /Because (\S+) was not found in the package registry and you require (.+?), we can conclude/.exec(flat)) !== null) {
    return { errorCode: 'RESOURCE_DOES_NOT_EXIST', requirement: match[2], toolMessage };
  }
  if ((match = /(?:you require|requirement) (\S+?)[,.]? (?:we can conclude|cannot be used|is unsatisfiable)/.exec(flat)) !== null) {
    return { errorCode: 'RESOURCE_DOES_NOT_EXIST', requirement: match[1], toolMessage };
  }
  if ((match = /Invalid requirement: '([^']+)'/.exec(flat)) !== null
    || (match = /Failed to parse: `([^`]+)`/.exec(flat)) !== null) {
    return { errorCode: 'INVALID_PARAMETER_VALUE', requirement: match[1], toolMessage };
  }
  if ((match = /Could not find a version that satisfies the requirement (\S+)/.exec(flat)) !== null) {
    return { errorCode: 'RESOURCE_DOES_NOT_EXIST', requirement: match[1], toolMessage };
  }
  return { errorCode: 'INTERNAL_ERROR', requirement: undefined, toolMessage };
}

/** The coded error for a failed install step, carrying the tool's text. */
export function installError(tool: string, step: InstallStep, output: string, exitCode: number): MlflowException {
  const failure = analyzeInstallFailure(output);
  const about = failure.requirement === undefined ? '' : ` (failed requirement: ${failure.requirement})`;
  const error = new MlflowException(failure.errorCode,
    `${tool} could not install the model's ${step.replace('_', ' ')}${about}; exit code ${exitCode}:\n${failure.toolMessage}`);
  return Object.assign(error, { requirement: failure.requirement, toolOutput: output });
}
