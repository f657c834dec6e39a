/**
 * The one error type of the baseline builder: bad input files and options.
 */

/** What was wrong, for callers that react differently (the CLI maps them to messages and exit codes). */
export type BaselineInputErrorCode =
  | 'bad_option'
  | 'unknown_format'
  | 'not_found'
  | 'not_a_file'
  | 'empty'
  | 'parse'
  | 'missing_column'
  /** A column declared numeric in the config whose values are mostly not numbers. */
  | 'type_mismatch';

/**
 * A baseline could not be built from the given input; the message names the
 * file, and the line (text formats) or row where parsing failed. `cause` keeps
 * the underlying error.
 */
export class BaselineInputError extends Error {
  override readonly name = 'BaselineInputError';
  /** The kind of problem. */
  readonly code: BaselineInputErrorCode;
  /** The input file concerned, when there is one. */
  readonly path: string | undefined;
  /** 1-based line of the file where parsing failed (CSV, JSON Lines). */
  readonly line: number | undefined;

  constructor(code: BaselineInputErrorCode, message: string, options: { path?: string; line?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.line = options.line;
  }
}
