/**
 * Child process for instrumentation.test.ts: an app that imports the ESM build
 * of onnxruntime-common itself (a class separate from the CommonJS one that
 * onnxruntime-node uses). Only the import hook reaches it, so the parent runs
 * this with `--experimental-loader=@opentelemetry/instrumentation/hook.mjs`.
 * Prints `{ wrapped, restored }` as JSON.
 */
import { isWrapped } from '@opentelemetry/instrumentation';
import { OnnxRuntimeInstrumentation } from '../../../src/onnxruntime/index.js';

const instrumentation = new OnnxRuntimeInstrumentation({});
const common = await import('onnxruntime-common');
const run = (): unknown => (common.InferenceSession as unknown as { prototype: { run: unknown } }).prototype.run;
const wrapped = isWrapped(run());
instrumentation.disable();
process.stdout.write(`${JSON.stringify({ wrapped, restored: !isWrapped(run()) })}\n`);
