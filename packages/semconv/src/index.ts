/** @module @modelwatch/semconv */
export const PACKAGE_NAME = '@modelwatch/semconv';
