/** What the worker needs to know about an endpoint to deliver to it. */
export interface DeliveryTarget {
  webhookUrl: string;
  basicAuth: { user: string; password: string } | null;
  /** `whsec_…` */
  signingSecret: string;
  timeoutMs: number;
  retryScheduleSeconds: readonly number[];
  maxConcurrency: number;
}

/**
 * Where the worker looks endpoints up (implemented over the endpoint configuration, cached). An abstract class
 * so it serves as the DI token and keeps delivery independent of the endpoint-config module.
 */
export abstract class DeliveryTargetSource {
  /** Null when the endpoint no longer exists. */
  abstract get(endpointId: string): Promise<DeliveryTarget | null>;
}
