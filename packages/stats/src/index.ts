/** @module @modelwatch/stats */
export const PACKAGE_NAME = '@modelwatch/stats';
