/**
 * OpenTelemetry auto-instrumentation of `onnxruntime-node`'s `InferenceSession.run`.
 *
 * Where it patches, and why that covers both `require` and `import`:
 * `onnxruntime-node` is a CommonJS package that re-exports the
 * `InferenceSession` class of `onnxruntime-common`, which it loads with
 * `require()`. Importing `onnxruntime-node` from ESM still runs that inner
 * `require`, so one class object serves both entry points and patching its
 * prototype instruments every session. The class is found three ways:
 *  1. at `enable()`, in the CommonJS module cache (an app that loaded the
 *     runtime before the instrumentation was enabled);
 *  2. by the require hook of `InstrumentationBase` when `onnxruntime-common` is
 *     required later (by `require('onnxruntime-node')` or `import('onnxruntime-node')`);
 *  3. by the import hook, when the app registers `@opentelemetry/instrumentation/hook.mjs`
 *     and imports `onnxruntime-common`'s ESM build itself (a separate class).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { MeterProvider } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  isWrapped,
} from '@opentelemetry/instrumentation';
import { ModelMonitor, type ModelMonitorOptions, type PredictionRecord, type RecordResult } from '../monitor/index.js';
import { SCOPE_VERSION } from '../scope.js';
import { modelConfigFor, validateConfig } from './config.js';
import { classifyRow, rowElement, rowStatistic, rowView, type RowView } from './tensor.js';
import type {
  OnnxInputStatistic,
  OnnxModelInfo,
  OnnxPredictionConfig,
  OnnxRecordedPrediction,
  OnnxRuntimeInstrumentationConfig,
} from './types.js';

/** The instrumentation scope name. */
export const ONNXRUNTIME_INSTRUMENTATION_NAME = '@modelwatch/instrumentation/onnxruntime';

/** Model name used when a session's model path is unknown (see `modelName`). */
export const DEFAULT_ONNX_MODEL_NAME = 'onnx-model';

// The onnxruntime versions whose InferenceSession has the shape patched here.
const SUPPORTED_VERSIONS = ['>=1.14.0 <2'];

// The path, inside the module cache, of onnxruntime-common's CommonJS entry.
const COMMON_CJS_ENTRY = /[\\/]onnxruntime-common[\\/]dist[\\/]cjs[\\/]index\.js$/;

/** The parts of onnxruntime's InferenceSession this file relies on (the package is optional). */
interface SessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}
type RunFn = (this: SessionLike, ...args: unknown[]) => unknown;
type CreateFn = (this: unknown, ...args: unknown[]) => unknown;
interface SessionClass {
  prototype: { run: RunFn };
  create: CreateFn;
}

/** How one session's runs are recorded; resolved on its first run. */
interface Binding {
  readonly name: string;
  readonly monitor: ModelMonitor;
  readonly prediction: OnnxPredictionConfig | undefined;
  readonly features: readonly FeaturePlan[];
}
interface FeaturePlan {
  readonly input: string;
  readonly stats: readonly (readonly [name: string, stat: OnnxInputStatistic])[];
  readonly elements: readonly (readonly [name: string, index: number])[];
}

interface State {
  /** Classes whose `run`/`create` this instance wrapped. */
  readonly patched: Set<SessionClass>;
  /** Session -> the path it was created from; kept across config changes. */
  readonly modelPaths: WeakMap<object, string>;
  /** Session -> binding (`null`: record nothing); rebuilt when config or providers change. */
  sessions: WeakMap<object, Binding | null>;
  /** Model name + version -> its monitor. */
  monitors: Map<string, ModelMonitor>;
  meterProvider: MeterProvider | undefined;
  loggerProvider: LoggerProvider | undefined;
  /** Problems already reported through diag, so a hot loop logs each once. */
  readonly warned: Set<string>;
}

function isSessionClass(v: unknown): v is SessionClass {
  return typeof v === 'function' &&
    typeof (v as { create?: unknown }).create === 'function' &&
    typeof (v as { prototype?: { run?: unknown } }).prototype?.run === 'function';
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null &&
    typeof (v as { then?: unknown }).then === 'function';
}

/** `tiny-classifier.onnx` (any directory, `/` or `\`) -> `tiny-classifier`. */
function defaultModelName(info: OnnxModelInfo): string {
  if (info.modelPath === undefined) return DEFAULT_ONNX_MODEL_NAME;
  const base = info.modelPath.split(/[\\/]/).pop() ?? '';
  const name = base.replace(/\.onnx$/i, '');
  return name === '' ? DEFAULT_ONNX_MODEL_NAME : name;
}

/**
 * Records every `InferenceSession.run` of `onnxruntime-node` through a
 * {@link ModelMonitor} per model: duration, errors (`error.type`) and active
 * requests always; the predicted label and confidence (or regression value)
 * from a named output and numeric features from input tensors when configured.
 *
 * Works whether the app loads `onnxruntime-node` with `require` or `import`,
 * before or after the instrumentation is enabled. `disable()` restores the
 * original methods. Recording never throws into the caller: a run's result or
 * error reaches the caller unchanged, and problems are reported through `diag`.
 *
 * @example
 * ```ts
 * registerInstrumentations({ instrumentations: [new OnnxRuntimeInstrumentation({
 *   prediction: { output: 'probabilities', labels: ['cat', 'dog'] },
 *   features: { input: { stats: ['mean'] } },
 * })] });
 * ```
 */
export class OnnxRuntimeInstrumentation extends InstrumentationBase<OnnxRuntimeInstrumentationConfig> {
  // `declare`d, not initialised: InstrumentationBase's constructor calls
  // setConfig() and enable() before a subclass field initialiser would run
  // (and an initialiser would then overwrite what they set).
  private declare _mwState: State | undefined;

  /** @param config see {@link OnnxRuntimeInstrumentationConfig}; throws naming every invalid option. */
  constructor(config: OnnxRuntimeInstrumentationConfig = {}) {
    super(ONNXRUNTIME_INSTRUMENTATION_NAME, SCOPE_VERSION, validateConfig(config));
  }

  private get state(): State {
    this._mwState ??= {
      patched: new Set(),
      modelPaths: new WeakMap(),
      sessions: new WeakMap(),
      monitors: new Map(),
      meterProvider: undefined,
      loggerProvider: undefined,
      warned: new Set(),
    };
    return this._mwState;
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'onnxruntime-common',
        SUPPORTED_VERSIONS,
        (exports: unknown) => {
          this.patchModule(exports);
          return exports;
        },
        (exports: unknown) => this.unpatchModule(exports),
      ),
    ];
  }

  /** Validates and applies a new configuration; later runs use it. Throws naming every invalid option. */
  override setConfig(config: OnnxRuntimeInstrumentationConfig = {}): void {
    super.setConfig(validateConfig(config));
    this.resetBindings();
  }

  /** Records through monitors created on this provider from now on. */
  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    this.state.meterProvider = meterProvider;
    this.resetBindings();
  }

  /** Emits ground-truth events through this provider from now on. */
  override setLoggerProvider(loggerProvider: LoggerProvider): void {
    super.setLoggerProvider(loggerProvider);
    this.state.loggerProvider = loggerProvider;
    this.resetBindings();
  }

  /** Patches already-loaded onnxruntime copies and hooks future loads. */
  override enable(): void {
    super.enable();
    try {
      const cache = createRequire(import.meta.url).cache;
      for (const [path, mod] of Object.entries(cache)) {
        if (mod !== undefined && COMMON_CJS_ENTRY.test(path)) this.patchModule(mod.exports);
      }
    } catch (err) {
      this.warnOnce('cache', 'could not scan the module cache for onnxruntime', err);
    }
  }

  /** Restores every original `run` and `create`. */
  override disable(): void {
    super.disable();
    for (const cls of [...this.state.patched]) this.unpatchClass(cls);
  }

  /**
   * The monitor that records the model of this name (and version), created
   * on first use; exposed so the app can send ground truth:
   * `instrumentation.monitorFor('fraud')?.feedback(id, truth)`.
   * `undefined` until a session of that model has run.
   */
  monitorFor(modelName: string, modelVersion?: string): ModelMonitor | undefined {
    return this.state.monitors.get(`${modelName}\u0000${modelVersion ?? ''}`);
  }

  /**
   * Drops every session binding and closes the monitors, so the next run of
   * each session builds them from the current config and providers. A closed
   * monitor stops reporting its observable counts; leaving it open beside its
   * replacement would report the same series twice. Its counts restart, as
   * they do when the process restarts.
   */
  private resetBindings(): void {
    const state = this.state;
    for (const monitor of state.monitors.values()) {
      try {
        monitor.close();
      } catch (err) {
        this.warnOnce('close', 'could not close a monitor', err);
      }
    }
    state.sessions = new WeakMap();
    state.monitors = new Map();
  }

  private patchModule(exports: unknown): void {
    const cls = (exports as { InferenceSession?: unknown } | null | undefined)?.InferenceSession;
    if (!isSessionClass(cls)) {
      this.warnOnce('shape', 'onnxruntime-common has no InferenceSession with run/create; not instrumented');
      return;
    }
    if (this.state.patched.has(cls)) return;
    this._wrap(cls.prototype, 'run', (original) => this.wrapRun(original));
    this._wrap(cls, 'create', (original) => this.wrapCreate(original));
    this.state.patched.add(cls);
  }

  private unpatchModule(exports: unknown): void {
    const cls = (exports as { InferenceSession?: unknown } | null | undefined)?.InferenceSession;
    if (isSessionClass(cls)) this.unpatchClass(cls);
  }

  private unpatchClass(cls: SessionClass): void {
    if (!this.state.patched.delete(cls)) return;
    if (isWrapped(cls.prototype.run)) this._unwrap(cls.prototype, 'run');
    if (isWrapped(cls.create)) this._unwrap(cls, 'create');
  }

  private wrapCreate(original: CreateFn): CreateFn {
    const paths = this.state.modelPaths;
    return function create(this: unknown, ...args: unknown[]): unknown {
      const pending = original.apply(this, args);
      const path = args[0];
      if (typeof path !== 'string' || !isThenable(pending)) return pending;
      // Remember where the session came from, for the default model name.
      return pending.then((session) => {
        if (typeof session === 'object' && session !== null) paths.set(session, path);
        return session;
      });
    };
  }

  private wrapRun(original: RunFn): RunFn {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapper needs both `this`es
    const instrumentation = this;
    return function run(this: SessionLike, ...args: unknown[]): unknown {
      const binding = instrumentation.bindingFor(this);
      if (binding === null) return original.apply(this, args);
      const start = performance.now();
      const done = instrumentation.startRequest(binding);
      const feeds = args[0];
      let pending: unknown;
      try {
        pending = original.apply(this, args);
      } catch (err) {
        instrumentation.finish(binding, start, done, feeds, undefined, true, err);
        throw err;
      }
      if (!isThenable(pending)) {
        instrumentation.finish(binding, start, done, feeds, pending, false, undefined);
        return pending;
      }
      return pending.then(
        (result) => {
          instrumentation.finish(binding, start, done, feeds, result, false, undefined);
          return result;
        },
        (err: unknown) => {
          instrumentation.finish(binding, start, done, feeds, undefined, true, err);
          throw err;
        },
      );
    };
  }

  /** The binding of a session, resolving it on first use; `null` when it cannot record. */
  private bindingFor(session: SessionLike): Binding | null {
    const state = this.state;
    const known = state.sessions.get(session);
    if (known !== undefined) return known;
    let binding: Binding | null = null;
    try {
      binding = this.createBinding(session);
    } catch (err) {
      this.warnOnce('binding', 'cannot record this onnxruntime session', err);
    }
    state.sessions.set(session, binding);
    return binding;
  }

  private createBinding(session: SessionLike): Binding {
    const state = this.state;
    const config = this.getConfig();
    const info: OnnxModelInfo = {
      modelPath: state.modelPaths.get(session),
      inputNames: session.inputNames,
      outputNames: session.outputNames,
    };
    const name = this.resolve(config.modelName, info, 'modelName') ?? defaultModelName(info);
    const version = this.resolve(config.modelVersion, info, 'modelVersion');
    const { prediction, features } = modelConfigFor(config, name);
    const plans: FeaturePlan[] = Object.entries(features ?? {}).map(([input, spec]) => ({
      input,
      stats: (spec.stats ?? []).map((s) => [`${input}.${s}`, s] as const),
      elements: Object.entries(spec.elements ?? {}),
    }));
    const key = `${name}\u0000${version ?? ''}`;
    let monitor = state.monitors.get(key);
    if (monitor === undefined) {
      const schema: Record<string, 'numeric'> = {};
      for (const p of plans) {
        for (const [feature] of p.stats) schema[feature] = 'numeric';
        for (const [feature] of p.elements) schema[feature] = 'numeric';
      }
      const options: ModelMonitorOptions = {
        groundTruthSampleRate: 0,
        ...config.monitor,
        model: version === undefined ? { name } : { name, version },
        task: prediction?.task ?? 'classification',
        features: schema,
      };
      if (state.meterProvider !== undefined) options.meterProvider = state.meterProvider;
      if (state.loggerProvider !== undefined) options.loggerProvider = state.loggerProvider;
      monitor = new ModelMonitor(options);
      state.monitors.set(key, monitor);
    }
    return { name, monitor, prediction, features: plans };
  }

  /** A `modelName`/`modelVersion` option's value for a session; `undefined` when unset or failing. */
  private resolve(
    option: string | ((info: OnnxModelInfo) => string | undefined) | undefined,
    info: OnnxModelInfo,
    key: string,
  ): string | undefined {
    if (typeof option !== 'function') return option;
    try {
      const v = option(info);
      if (typeof v === 'string' && v !== '') return v;
      if (v !== undefined) this.warnOnce(key, `${key}() returned ${String(v)}, expected a non-empty string; using the default`);
    } catch (err) {
      this.warnOnce(key, `${key}() threw; using the default`, err);
    }
    return undefined;
  }

  private startRequest(binding: Binding): (() => void) | undefined {
    try {
      return binding.monitor.startRequest();
    } catch (err) {
      this.warnOnce('active', 'could not count an active request', err);
      return undefined;
    }
  }

  /**
   * Records one finished run: RED once, then one prediction per row of the
   * batch (the first carries the duration, so the duration histogram counts
   * runs while label counts and features count rows).
   */
  private finish(
    binding: Binding,
    start: number,
    done: (() => void) | undefined,
    feeds: unknown,
    result: unknown,
    failed: boolean,
    error: unknown,
  ): void {
    try {
      done?.();
      const durationSeconds = (performance.now() - start) / 1000;
      const monitor = binding.monitor;
      if (failed) {
        // A rejection with `undefined` still is an error.
        monitor.record({ durationSeconds, error: error ?? new Error('onnxruntime run failed') });
        return;
      }
      const p = binding.prediction;
      const output = p !== undefined && typeof result === 'object' && result !== null
        ? rowView((result as Record<string, unknown>)[p.output])
        : undefined;
      if (p !== undefined && output === undefined) {
        this.warnOnce(`output:${p.output}`, `output '${p.output}' is missing or not a numeric CPU tensor; recording RED only`);
      }
      const onRecord = this.getConfig().onRecord;
      const inputs = binding.features.map((plan) => this.inputView(feeds, plan.input));
      let rows = output?.rows ?? 1;
      if (output === undefined) for (const v of inputs) if (v !== undefined && v.rows > rows) rows = v.rows;
      if (rows === 0) {
        monitor.record({ durationSeconds });
        return;
      }
      for (let i = 0; i < rows; i++) {
        const record: PredictionRecord = i === 0 ? { durationSeconds } : {};
        if (p !== undefined && output !== undefined) this.readPrediction(p, output, i, record);
        if (binding.features.length > 0) record.features = this.readFeatures(binding.features, inputs, i);
        const recorded = monitor.record(record);
        if (onRecord !== undefined) this.callOnRecord(onRecord, binding, recorded, record, i, feeds);
      }
    } catch (err) {
      this.warnOnce('record', 'could not record an onnxruntime run', err);
    }
  }

  private callOnRecord(
    onRecord: (prediction: OnnxRecordedPrediction) => void,
    binding: Binding,
    recorded: RecordResult,
    record: PredictionRecord,
    row: number,
    feeds: unknown,
  ): void {
    try {
      const prediction: OnnxRecordedPrediction = {
        predictionId: recorded.predictionId,
        sampled: recorded.sampled,
        modelName: binding.name,
        row,
        feeds,
        ...(record.label !== undefined ? { label: record.label } : {}),
        ...(record.confidence !== undefined ? { confidence: record.confidence } : {}),
        ...(record.value !== undefined ? { value: record.value } : {}),
      };
      onRecord(prediction);
    } catch (err) {
      this.warnOnce('onRecord', 'the onRecord callback threw', err);
    }
  }

  private inputView(feeds: unknown, input: string): RowView | undefined {
    const view = typeof feeds === 'object' && feeds !== null ? rowView((feeds as Record<string, unknown>)[input]) : undefined;
    if (view === undefined) this.warnOnce(`input:${input}`, `input '${input}' is missing or not a numeric CPU tensor; its features count as missing`);
    return view;
  }

  private readPrediction(p: OnnxPredictionConfig, output: RowView, row: number, record: PredictionRecord): void {
    if (p.task === 'regression') {
      const value = rowElement(output, row, p.index ?? 0);
      if (Number.isFinite(value)) record.value = value;
      return;
    }
    const c = classifyRow(output, row, p.scores ?? 'probabilities');
    if (c === undefined) return;
    record.label = p.labels?.[c.classIndex] ?? c.classIndex;
    if (Number.isFinite(c.confidence)) record.confidence = c.confidence;
  }

  private readFeatures(
    plans: readonly FeaturePlan[],
    inputs: readonly (RowView | undefined)[],
    row: number,
  ): Record<string, number> {
    const out: Record<string, number> = {};
    for (let k = 0; k < plans.length; k++) {
      const plan = plans[k] as FeaturePlan;
      const view = inputs[k];
      // An input with fewer rows than the batch (or none) reads as missing, not as another row's values.
      const has = view !== undefined && row < view.rows;
      for (const [name, stat] of plan.stats) out[name] = has ? rowStatistic(view, row, stat) : Number.NaN;
      for (const [name, index] of plan.elements) out[name] = has ? rowElement(view, row, index) : Number.NaN;
    }
    return out;
  }

  private warnOnce(key: string, message: string, err?: unknown): void {
    const warned = this.state.warned;
    // Bounded: keys are per option, input or output name, all from the config.
    if (warned.has(key) || warned.size >= 1000) return;
    warned.add(key);
    if (err === undefined) this._diag.warn(message);
    else this._diag.warn(message, err);
  }
}
