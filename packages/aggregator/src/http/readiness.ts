/**
 * What `GET /readyz` reports besides `status` once the service is ready: one
 * part per stage that can degrade or refuse data while the service runs, each
 * in the stage's own words, so an operator sees why requests are refused or
 * alerts are not delivered.
 *
 * @module
 */
import type { AdmissionStage, MemoryReadiness } from '../admission/stage.js';
import type { AlertStage } from '../alerts/stage.js';
import type { PushStatusView } from '../export/push-status.js';
import type { Telemetry } from '../export/telemetry.js';
import type { ForwardReadiness, ForwardStage } from '../forward/stage.js';
import type { StoreHealth, StoreReadiness } from '../store/health.js';

/** The body of a ready `/readyz`, besides `status`, in this order. */
export type Readiness = {
  /** Delivery status of every alert receiver. */
  alerting: ReturnType<AlertStage['receivers']>;
  /** Resident memory, its limit, and whether requests are refused for it. */
  memory: MemoryReadiness;
  /** Free disk space and the checkpoints' state. */
  store: StoreReadiness;
  /** The push of the aggregator's own signals over OTLP; null when not configured. */
  otlpPush: PushStatusView | null;
  /** Processor mode's forwarding; null when not configured. */
  forward: ForwardReadiness | null;
};

/** The stages `/readyz` asks. */
export interface ReadinessSources {
  alerts: Pick<AlertStage, 'receivers'>;
  admission: Pick<AdmissionStage, 'readiness'>;
  storeHealth: Pick<StoreHealth, 'readiness'>;
  telemetry: Pick<Telemetry, 'pushStatus'>;
  /** Absent unless processor mode is configured. */
  forward?: Pick<ForwardStage, 'readiness'> | undefined;
}

/** Asks every stage for its part, now (each call reads the stages afresh). */
export function readiness(stages: ReadinessSources): Readiness {
  return {
    alerting: stages.alerts.receivers(),
    memory: stages.admission.readiness(),
    store: stages.storeHealth.readiness(),
    otlpPush: stages.telemetry.pushStatus(),
    forward: stages.forward?.readiness() ?? null,
  };
}
