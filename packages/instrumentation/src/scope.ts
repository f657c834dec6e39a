/**
 * The instrumentation scope of everything this package emits.
 * @module
 */

/** Instrumentation scope name (the meter and logger name). */
export const SCOPE_NAME = '@modelwatch/instrumentation';
/** Instrumentation scope version; kept equal to package.json's version (a test checks). */
export const SCOPE_VERSION = '0.1.0';
