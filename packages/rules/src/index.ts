/** @module @modelwatch/rules */
export const PACKAGE_NAME = '@modelwatch/rules';
