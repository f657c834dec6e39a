/**
 * The alerting parts of `modelwatch.yaml`: where alerts go (`alerting`), and
 * per-alert overrides of the catalogue (`defaults.alerts`, `models[].alerts`),
 * each addressed by its alertname. An unknown alertname is an error that lists
 * the known ones.
 */
import { z } from 'zod';
import { alertOverrideProblems } from '@modelwatch/semconv';
import { formatDuration, parseDuration } from './duration.js';

/** A duration kept as normalised text ("90s" -> "1m30s"), as the catalogue's `for` is. */
const durationText = () =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    try {
      return formatDuration(parseDuration(v));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

const alertOverride = z.strictObject({
  enabled: z.boolean().optional(),
  for: durationText().optional(),
  keepFiringFor: durationText().optional(),
  threshold: z.number().finite().optional(),
  severity: z.enum(['info', 'warning', 'critical']).optional(),
  summary: z.string().min(1).optional(),
  description: z.string().min(1).optional(),
  runbook: z.array(z.string().min(1)).min(1).optional(),
  runbookUrl: httpUrl.optional(),
  burnWindows: z.array(z.strictObject({ long: z.string(), short: z.string(), factor: z.number() })).min(1).optional(),
});

/** `alerts:` of `defaults` or of one model: overrides by alertname. */
export const alertOverridesSchema = z
  .record(z.string(), alertOverride)
  .optional()
  .superRefine((o, ctx) => {
    if (o === undefined) return;
    // Paths in the messages are relative to this key; zod prefixes the rest.
    for (const p of alertOverrideProblems(o, 'alerts')) {
      const [key, ...rest] = p.split(': ');
      ctx.addIssue({ code: 'custom', path: (key ?? '').split('.').slice(1), message: rest.join(': ') });
    }
  });

/** `alerting:` where alerts are delivered, and how often. */
export const alertingSchema = z
  .strictObject({
    /** Alertmanager base URLs (alerts are POSTed to `<url>/api/v2/alerts`). None by default. */
    alertmanagers: z.array(httpUrl).default([]),
    /** Generic webhooks receiving Alertmanager's webhook payload. */
    webhooks: z
      .array(
        z.strictObject({
          url: httpUrl,
          /** How often a still-firing alert is sent again. */
          repeatInterval: durationText().prefault('4h'),
          /** Extra request headers, e.g. an Authorization token. */
          headers: z.record(z.string(), z.string()).default({}),
        }),
      )
      .default([]),
    /** How often firing alerts are sent to Alertmanager again (Prometheus' --rules.alert.resend-delay). */
    resendDelay: durationText().prefault('1m'),
    /** Base URL of this aggregator's API as the receivers should link to it (generatorURL). Default: the bound API address. */
    externalUrl: httpUrl.optional(),
    /** Notifications waiting per receiver; past it the oldest are dropped and counted. */
    maxQueue: z.number().int().positive().default(1000),
    /** Timeout of one delivery attempt. */
    timeout: durationText().prefault('10s'),
    /** Resolved alerts kept in GET /api/v1/alerts. */
    historyLimit: z.number().int().positive().default(200),
    /** Receivers written into `modelwatch alertmanager`'s output (placeholders when absent). */
    routing: z
      .strictObject({
        pagerdutyRoutingKey: z.string().min(1).optional(),
        slackWebhookUrl: httpUrl.optional(),
        slackChannel: z.string().min(1).optional(),
        infoChannel: z.string().min(1).optional(),
      })
      .default({}),
  })
  .prefault({});
