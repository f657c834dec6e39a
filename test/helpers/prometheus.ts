/**
 * A real Prometheus (Debian's `prometheus`, installed by
 * scripts/install-system-deps.sh) on a loopback port, scraping the given
 * targets every second and evaluating the given rule file every second.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './aggregator.js';
import { freePort, startReady } from './alertmanager.js';

export interface RunningPrometheus {
  url: string;
  process: ChildProcess;
  /** Firing alerts, as Prometheus' API gives them. */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }>>;
  /** An instant query's result. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

/** Starts Prometheus with `rules` (file path) over `targets` (host:port), sending alerts to `alertmanager` (host:port) if given. */
export async function startPrometheus(opts: { rulesFile: string; targets: string[]; alertmanager?: string }): Promise<RunningPrometheus> {
  const dir = tempDir();
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [opts.rulesFile],
    ...(opts.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }] } } : {}),
    scrape_configs: [{ job_name: 'modelwatch', static_configs: [{ targets: opts.targets }] }],
  };
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, stringify(config));
  const check = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`promtool check config failed:\n${check.stdout}${check.stderr}`);
  const port = await freePort();
  const { url, process: child, stop } = await startReady('prometheus', [
    `--config.file=${file}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // generatorURL links point here (the default is this machine's host name).
    `--web.external-url=http://127.0.0.1:${port}`,
    '--log.level=warn',
  ], port, 30_000);
  const api = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${url}${path}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? r.status}`);
    return body.data;
  };
  return {
    url,
    process: child,
    stop,
    alerts: async () => (await api<{ alerts: Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }> }>('/api/v1/alerts')).alerts,
    query: async (expr) => (await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
  };
}
