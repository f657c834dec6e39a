/** @module @modelwatch/aggregator */
export const PACKAGE_NAME = '@modelwatch/aggregator';
