/**
 * The `error.type` attribute for a failed inference.
 * @module
 */
import { ATTR_ERROR_TYPE_VALUE_OTHER } from '@modelwatch/semconv';

/**
 * `error.type` of a thrown value or given error, following OpenTelemetry's
 * rule: the exception's class name (`TypeError`, a custom class), a string
 * code as given (`'timeout'`), and `_OTHER` for anything else.
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'string') return error === '' ? ATTR_ERROR_TYPE_VALUE_OTHER : error;
  if (typeof error === 'object' && error !== null) {
    // The constructor name survives minification less well than `name`, but a
    // plain Error subclass often forgets to set `name`; prefer the more specific.
    const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Error' && ctor !== 'Object') return ctor;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return ctor;
  }
  return ATTR_ERROR_TYPE_VALUE_OTHER;
}
