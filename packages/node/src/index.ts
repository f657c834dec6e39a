/** @module @modelwatch/node */
export const PACKAGE_NAME = '@modelwatch/node';
