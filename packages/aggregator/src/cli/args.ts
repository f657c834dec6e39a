/**
 * Pure command-line parsing for `modelwatch`: argv in, a command out, or an
 * error that names the bad flag. No I/O here, so it is tested directly.
 */
import { parseArgs as parseNodeArgs } from 'node:util';

/** Thrown for bad command lines; the CLI prints it with the command's usage. */
export class UsageError extends Error {
  readonly command: string;
  constructor(command: string, message: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** `modelwatch serve` options. */
export interface ServeArgs {
  command: 'serve';
  config?: string;
  dataDir?: string;
  otlp?: string;
  otlpGrpc?: string | false;
  http?: string;
}

/** A parsed command line. */
export type Command =
  | ServeArgs
  | { command: 'baseline'; argv: string[] }
  | { command: 'rules' | 'alertmanager' | 'dashboards'; argv: string[] }
  | { command: 'help'; topic?: string }
  | { command: 'version' };

/** Help text of each command. */
export const HELP: Record<'main' | 'serve', string> = {
  main: `Usage: modelwatch <command> [options]

Commands:
  serve      run the aggregator (OTLP in; drift, quality and SLO signals out)
  baseline   build a baseline file from CSV, JSON Lines or Parquet
  rules      write Prometheus alerting, recording and SLO rules
  alertmanager
             write an Alertmanager configuration (routing, inhibition)
  dashboards write Grafana dashboards (health, quality, drift, resources)
  help       show help for a command
  version    print the version

Run 'modelwatch <command> --help' for a command's options.`,
  serve: `Usage: modelwatch serve [options]

Runs the aggregator. Once ready, prints one JSON line on stdout with the bound
addresses. Stops cleanly (flush, persist) on SIGINT or SIGTERM.

Options:
  --config FILE        modelwatch.yaml (default: embedded defaults)
  --data-dir DIR       data directory (default ./modelwatch-data)
  --otlp HOST:PORT     OTLP/HTTP receiver (default 127.0.0.1:4318; port 0 = any free port)
  --otlp-grpc HOST:PORT|off
                       OTLP/gRPC receiver (default 127.0.0.1:4317)
  --http HOST:PORT     API, /metrics and dashboard (default 127.0.0.1:9470)
  -h, --help           show this help

Environment: MODELWATCH_DATA_DIR, MODELWATCH_OTLP_HTTP, MODELWATCH_OTLP_GRPC,
MODELWATCH_HTTP, MODELWATCH_AUTH_TOKEN, MODELWATCH_OTLP_AUTH_TOKEN,
MODELWATCH_API_AUTH_TOKEN, MODELWATCH_INSECURE (flags win), and
OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT to push the aggregator's metrics by OTLP.
Tokens are read from the file or the environment only, never from flags
(a command line is visible to every user of the machine).`,
};

/** Parses `modelwatch` arguments (without the node and script paths). */
export function parseArgs(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return rest[0] !== undefined ? { command: 'help', topic: rest[0] } : { command: 'help' };
    case 'version':
    case '--version':
    case '-v':
      return { command: 'version' };
    case 'baseline':
      return { command: 'baseline', argv: rest };
    case 'rules':
    case 'alertmanager':
    case 'dashboards':
      return { command, argv: rest };
    case 'serve': {
      let values: Record<string, string | boolean | undefined>;
      try {
        ({ values } = parseNodeArgs({
          args: [...rest],
          strict: true,
          allowPositionals: false,
          options: {
            config: { type: 'string', short: 'c' },
            'data-dir': { type: 'string' },
            otlp: { type: 'string' },
            'otlp-grpc': { type: 'string' },
            http: { type: 'string' },
            help: { type: 'boolean', short: 'h' },
          },
        }));
      } catch (err) {
        throw new UsageError('serve', (err as Error).message);
      }
      if (values.help === true) return { command: 'help', topic: 'serve' };
      const out: ServeArgs = { command: 'serve' };
      const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
      const config = str('config');
      const dataDir = str('data-dir');
      const otlp = str('otlp');
      const grpc = str('otlp-grpc');
      const http = str('http');
      if (config !== undefined) out.config = config;
      if (dataDir !== undefined) out.dataDir = dataDir;
      if (otlp !== undefined) out.otlp = otlp;
      if (grpc !== undefined) out.otlpGrpc = grpc === 'off' ? false : grpc;
      if (http !== undefined) out.http = http;
      return out;
    }
    default:
      throw new UsageError('main', `unknown command ${JSON.stringify(command)}`);
  }
}
