/**
 * The example model service: POST /predict and POST /feedback over HTTP,
 * instrumented with @modelwatch/instrumentation and wired to OTLP by
 * @modelwatch/node (OTEL_EXPORTER_OTLP_ENDPOINT, default http://127.0.0.1:4318).
 * Prints one JSON line with its address once listening. The demo's traffic
 * may ask a request to be slow or to fail (see `simulateFault`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startModelwatch } from '@modelwatch/node';
import { predict } from './model.js';

// One model per process: its identity goes on the resource, the cheapest setup.
// OTEL_EXPORTER_PROMETHEUS_PORT (and _HOST) also serve Prometheus /metrics, for a Prometheus that scrapes services.
const promPort = process.env['OTEL_EXPORTER_PROMETHEUS_PORT'];
const telemetry = startModelwatch({
  serviceName: 'sentiment-service',
  model: { name: 'sentiment_classifier', version: '1.0.0' },
  ...(promPort !== undefined ? { prometheus: { port: Number(promPort), host: process.env['OTEL_EXPORTER_PROMETHEUS_HOST'] ?? '127.0.0.1' } } : {}),
});
const monitor = telemetry.monitor({
  task: 'classification',
  features: { text_length: 'numeric', sentiment_score: 'numeric', language: 'categorical' },
  operation: '/predict',
  // Every prediction's features: at tens of requests/s the cost is nil, and the demo's
  // 30 s drift window then holds the ~1,000 values a numeric feature needs to be judged.
  featureSampling: { rate: 1 },
  groundTruthSampleRate: 0.1,
});

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

/** Longest delay a request may ask for: a demo slowdown, not a way to hold connections open. */
const MAX_SIMULATED_DELAY_MS = 5000;

/** The error a request asked for with `x-simulate-error`. */
class SimulatedFault extends Error {
  override name = 'SimulatedFault';
}

/**
 * Fault injection for the demo's traffic scenarios (latency spike, error
 * burst): `x-simulate-delay-ms: N` makes this call N ms slower (at most 5 s)
 * and `x-simulate-error: 1` makes it fail, both inside the timed call, as a
 * slow or failing model would. The service listens on 127.0.0.1 by default.
 */
async function simulateFault(req: IncomingMessage): Promise<void> {
  const delay = Math.min(Number(req.headers['x-simulate-delay-ms'] ?? 0), MAX_SIMULATED_DELAY_MS);
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  if (req.headers['x-simulate-error'] === '1') throw new SimulatedFault('model backend unavailable (simulated)');
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = createServer((req, res) => {
  void (async () => {
    try {
      if (req.method === 'POST' && req.url === '/predict') {
        const { text, language } = await body(req);
        const started = performance.now();
        try {
          await simulateFault(req);
          const result = predict(String(text ?? ''), String(language ?? 'unknown'));
          const { predictionId, sampled } = monitor.record({
            durationSeconds: (performance.now() - started) / 1000,
            label: result.label,
            confidence: result.confidence,
            features: result.features,
          });
          // `sampled` predictions are the ones to send for human review (ground truth).
          return reply(res, 200, { ...result, predictionId, sampled });
        } catch (err) {
          monitor.record({ durationSeconds: (performance.now() - started) / 1000, error: err });
          return reply(res, err instanceof SimulatedFault ? 503 : 422, { error: (err as Error).message });
        }
      }
      if (req.method === 'POST' && req.url === '/feedback') {
        const { predictionId, label } = await body(req);
        monitor.feedback(String(predictionId), String(label));
        return reply(res, 200, { status: 'recorded' });
      }
      reply(res, 404, { error: 'not found' });
    } catch (err) {
      reply(res, 400, { error: (err as Error).message });
    }
  })();
});

const [host, port] = (process.env.SERVICE_ADDRESS ?? '127.0.0.1:0').split(':');
server.listen(Number(port), host, () => {
  const a = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ status: 'ready', url: `http://${a.address}:${a.port}` })}\n`);
});

let stopping = false;
const stop = (): void => {
  if (stopping) return; // Ctrl-C reaches the whole process group, then the demo sends SIGTERM too
  stopping = true;
  server.close();
  void telemetry.shutdown().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
