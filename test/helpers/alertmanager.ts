/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`, installed by
 * scripts/install-system-deps.sh) on loopback ports, with its config checked
 * by `amtool`, and a webhook receiver that records what Alertmanager sends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from './aggregator.js';

/** One webhook notification (Alertmanager's webhook body, version 4). */
export interface Notification {
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string }>;
}

/** A local HTTP server recording every JSON POST. */
export interface WebhookSink {
  url: string;
  received: Notification[];
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const received: Notification[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      try {
        received.push(JSON.parse(body) as Notification);
      } catch {
        // kept out of `received`: the tests assert on what parsed
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

/** A free loopback port (Alertmanager needs one given; it has no port 0 report). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A server binary started on a loopback port, ready once its `/-/ready` answers (Prometheus and Alertmanager alike). */
export interface ReadyServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `command` with `args`, listening on 127.0.0.1:`port`, and waits up to `timeoutMs` for `/-/ready`. */
export async function startReady(command: string, args: string[], port: number, timeoutMs: number): Promise<ReadyServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${command} ready on ${url}`, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; its stderr:\n${stderr.slice(-2000)}`, { cause: err });
  });
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface RunningAlertmanager {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Alertmanager routing everything to `webhookUrl`, grouped by model and
 * severity like the seed's route, with short group timings for tests, and a
 * critical alert inhibiting the warning of the same alert.
 */
export function alertmanagerConfig(webhookUrl: string): string {
  return `route:
  receiver: hook
  group_by: [ml_model_name, severity]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: ${webhookUrl}
        send_resolved: true
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [alertname, ml_model_name, ml_feature_name, ml_slo_name]
`;
}

/** Starts Alertmanager with `config` (checked by `amtool check-config` first). */
export async function startAlertmanager(config: string): Promise<RunningAlertmanager> {
  const dir = tempDir();
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, config);
  const check = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`amtool check-config failed:\n${check.stdout}${check.stderr}`);
  const port = await freePort();
  return startReady('prometheus-alertmanager', [
    `--config.file=${file}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ], port, 20_000);
}
