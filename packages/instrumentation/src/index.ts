/** @module @modelwatch/instrumentation */
export const PACKAGE_NAME = '@modelwatch/instrumentation';
