declare const __PYFUNC_HTTP_VERSION__: string | undefined;

/** This package's version. */
export const PACKAGE_VERSION: string = typeof __PYFUNC_HTTP_VERSION__ === 'string' ? __PYFUNC_HTTP_VERSION__ : '0.1.0';
