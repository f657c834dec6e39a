/**
 * Child process for instrumentation.test.ts: loads onnxruntime-node the way a
 * service would (`require` or ESM `import`, before or after the
 * instrumentation is enabled), runs the fixture model, and prints the metrics
 * collected by an in-memory reader as one JSON line. A fresh process per
 * scenario keeps the patched prototype of one scenario out of the next.
 *
 * Usage: node --import tsx run-model.ts '<ScenarioSpec JSON>'
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { registerInstrumentations, isWrapped } from '@opentelemetry/instrumentation';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { OnnxRuntimeInstrumentation, type OnnxRuntimeInstrumentationConfig } from '../../../src/onnxruntime/index.js';
import type * as OrtModule from 'onnxruntime-node';
import type { ScenarioSpec, ScenarioOutput, MetricSnapshot } from './protocol.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ScenarioSpec;
const modelPath = fileURLToPath(new URL('../../fixtures/onnx/tiny-classifier.onnx', import.meta.url));

/** A pull reader: the test decides when to collect. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

type Ort = typeof OrtModule;

/** The typings describe InferenceSession as a factory; at run time it is a class. */
const runOf = (ort: Ort): unknown => (ort.InferenceSession as unknown as { prototype: { run: unknown } }).prototype.run;

async function loadOrt(): Promise<Ort> {
  if (spec.loader === 'require') return createRequire(import.meta.url)('onnxruntime-node') as Ort;
  return (await import('onnxruntime-node')) as Ort;
}

function snapshot(metrics: MetricData[]): MetricSnapshot[] {
  return metrics.map((m) => ({
    name: m.descriptor.name,
    unit: m.descriptor.unit,
    type: DataPointType[m.dataPointType],
    points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value as unknown })),
  }));
}

async function collect(reader: TestReader): Promise<MetricSnapshot[]> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new Error(`collect errors: ${errors.map(String).join('; ')}`);
  return resourceMetrics.scopeMetrics.flatMap((s) => snapshot(s.metrics));
}

async function main(): Promise<void> {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({
    readers: [reader],
    views: [{ instrumentName: 'ml.feature.value', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  let ort: Ort | undefined;
  let originalRun: unknown;
  if (spec.preload) {
    // The service loaded the runtime before telemetry was set up.
    ort = await loadOrt();
    originalRun = runOf(ort);
  }
  const config: OnnxRuntimeInstrumentationConfig = { ...spec.config };
  if (spec.modelNameFromPath === true) {
    config.modelName = (info) => `from-fn:${info.modelPath?.split('/').pop() ?? 'none'}:${info.inputNames.join(',')}`;
  }
  const instrumentation = new OnnxRuntimeInstrumentation(config);
  registerInstrumentations({ instrumentations: [instrumentation], meterProvider });
  ort ??= await loadOrt();
  const session = await ort.InferenceSession.create(modelPath);
  const wrappedWhileEnabled = isWrapped(runOf(ort));

  const outputs: number[][] = [];
  for (const batch of spec.runs) {
    const data = Float32Array.from(batch.flat());
    const result = await session.run({ features: new ort.Tensor('float32', data, [batch.length, 4]) });
    outputs.push(Array.from(result['probabilities']?.data as Float32Array));
  }
  const errors: ScenarioOutput['errors'] = [];
  for (const kind of spec.failures ?? []) {
    try {
      if (kind === 'missing-input') {
        await session.run({ wrong: new ort.Tensor('float32', new Float32Array(4), [1, 4]) });
      } else {
        await session.run({ features: new ort.Tensor('float32', new Float32Array(5), [1, 5]) });
      }
      errors.push({ kind, caught: false });
    } catch (err) {
      errors.push({ kind, caught: true, name: (err as Error).name, message: (err as Error).message });
    }
  }
  const before = await collect(reader);

  instrumentation.disable();
  const restored = !isWrapped(runOf(ort)) &&
    !isWrapped(ort.InferenceSession.create) &&
    (originalRun === undefined || runOf(ort) === originalRun);
  await session.run({ features: new ort.Tensor('float32', new Float32Array(4), [1, 4]) });
  const afterDisable = await collect(reader);

  const out: ScenarioOutput = { wrappedWhileEnabled, restored, outputs, errors, before, afterDisable };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await meterProvider.shutdown();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
