// The part of cli-progress 3 this app uses (the package ships no types).
declare module 'cli-progress' {
  interface BarOptions {
    format?: string;
    stream?: NodeJS.WritableStream | { write(text: string): unknown; isTTY?: boolean };
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    noTTYOutput?: boolean;
  }
  export class SingleBar {
    constructor(options: BarOptions, preset?: unknown);
    start(total: number, value: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    setTotal(total: number): void;
    stop(): void;
  }
  export const Presets: { shades_classic: unknown };
}
