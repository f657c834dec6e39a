/**
 * The `modelwatch` command: parse, load the configuration, start, and stop
 * cleanly on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { HELP, parseArgs, UsageError, type ServeArgs } from './args.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { startService } from '../service.js';
import { GENERATE_HELP, parseGenerateArgs, runGenerate, type GenerateCommand } from './generate.js';
import {
  BASELINE_HELP,
  buildBaselineReport,
  formatSummary,
  parseBaselineArgs,
  progressBar,
  writeBaseline,
} from '../baseline/index.js';

/** Streams the CLI writes to (injected for tests). */
export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const defaultIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function serve(args: ServeArgs, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const config = loadConfig({
    ...(args.config !== undefined ? { path: args.config } : {}),
    env,
    overrides: {
      ...(args.dataDir !== undefined ? { dataDir: args.dataDir } : {}),
      ...(args.otlp !== undefined ? { otlpHttp: args.otlp } : {}),
      ...(args.otlpGrpc !== undefined ? { otlpGrpc: args.otlpGrpc } : {}),
      ...(args.http !== undefined ? { http: args.http } : {}),
    },
  });
  // Handlers go in before anything starts, so a signal that comes right after
  // the ready line still stops cleanly; a repeated signal only says we are stopping.
  let stop: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (stop = resolve));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      io.stderr(`modelwatch: ${signal} received, already stopping`);
      return;
    }
    stopping = true;
    io.stderr(`modelwatch: ${signal} received, flushing and stopping`);
    stop(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const service = await startService(config, {
      env,
      log: (m) => io.stderr(`modelwatch: ${m}`),
      onFatal: (err) => {
        io.stderr(`modelwatch: stopping after a store failure: ${err.message}`);
        stopping = true;
        stop(1);
      },
    });
    io.stdout(JSON.stringify({ status: 'ready', ...service.addresses }));
    const code = await stopped;
    await service.close();
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function baseline(argv: string[], io: CliIo): Promise<number> {
  const args = parseBaselineArgs(argv);
  if ('help' in args && args.help === true) {
    io.stdout(BASELINE_HELP);
    return 0;
  }
  let features: Record<string, 'numeric' | 'categorical'> | undefined;
  let maxCategories = args.maxCategories;
  if (args.config !== undefined) {
    const config = loadConfig({ path: args.config });
    features = config.models.find((m) => m.name === args.model)?.features;
    // The live engine folds categories past limits.maxCategories: a baseline kept with another bound would not compare like for like.
    maxCategories ??= config.limits.maxCategories;
  }
  const bar = process.stderr.isTTY ? progressBar({ stream: process.stderr }) : undefined;
  let report;
  try {
    report = await buildBaselineReport({
      ...args,
      ...(features !== undefined ? { features } : {}),
      ...(maxCategories !== undefined ? { maxCategories } : {}),
      ...(bar ? { onProgress: bar.update } : {}),
    });
  } finally {
    // Also on failure (a type mismatch is found at the end): the error then starts on its own line.
    bar?.done();
  }
  // The summary goes to stderr with the progress: stdout stays one JSON line for scripts.
  for (const line of formatSummary(report)) io.stderr(line);
  const result = report.baseline;
  await writeBaseline(result, args.out);
  io.stdout(JSON.stringify({
    status: 'written', out: args.out, model: result.model, features: Object.keys(result.features).length,
    rows: result.source?.rows ?? null, warnings: report.warnings.length,
  }));
  return 0;
}

function generate(command: GenerateCommand, argv: string[], env: NodeJS.ProcessEnv, io: CliIo): number {
  const args = parseGenerateArgs(command, argv);
  if (args.help) {
    io.stdout(GENERATE_HELP[command]);
    return 0;
  }
  const { text, warnings } = runGenerate(command, args, env);
  for (const w of warnings) io.stderr(`modelwatch ${command}: warning: ${w}`);
  if (args.out === undefined) io.stdout(text.replace(/\n$/, ''));
  else io.stderr(`modelwatch ${command}: wrote ${args.out}`);
  return 0;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = defaultIo): Promise<number> {
  try {
    const cmd = parseArgs(argv);
    switch (cmd.command) {
      case 'help':
        io.stdout(cmd.topic === 'serve' ? HELP.serve : cmd.topic === 'baseline' ? BASELINE_HELP : cmd.topic === 'rules' || cmd.topic === 'alertmanager' || cmd.topic === 'dashboards' ? GENERATE_HELP[cmd.topic] : HELP.main);
        return 0;
      case 'version':
        io.stdout(version());
        return 0;
      case 'serve':
        return await serve(cmd, env, io);
      case 'baseline':
        return await baseline(cmd.argv, io);
      case 'rules':
      case 'alertmanager':
      case 'dashboards':
        return generate(cmd.command, cmd.argv, env, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`modelwatch: ${err.message}\n`);
      io.stderr(err.command === 'serve' ? HELP.serve : err.command === 'rules' || err.command === 'alertmanager' || err.command === 'dashboards' ? GENERATE_HELP[err.command] : HELP.main);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr(`modelwatch: ${err.message}`);
      return 2;
    }
    io.stderr(`modelwatch: ${(err as Error).message}`);
    return 1;
  }
}
