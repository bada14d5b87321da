/** Replaced at build time with the package version (tsup `define`). */
declare const __PYFUNC_VERSION__: string;
