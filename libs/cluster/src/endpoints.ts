/**
 * The router's table: for each app host name, the app and the instances that may take traffic.
 * The orchestrator writes it (a Redis hash, host → JSON {@link AppEndpoints}) and announces each
 * change with a `routers` wake-up naming the host (wake.ts); routers load it whole at start and on
 * reconnect.
 */

export interface Endpoint {
  instanceId: string;
  host: string;
  port: number;
}

/** One host's entry. */
export interface AppEndpoints {
  /** Whose traffic this is: routers report metrics and demand under the app's id. */
  appId: string;
  /**
   * Its `web` may be at zero instances on purpose (autoscaled with a minimum of 0): a request
   * that finds no endpoint is held by the router's activator, which asks for an instance,
   * instead of being answered 503 at once.
   */
  activatable: boolean;
  /**
   * Instances are on their way to ready (a first deploy, a restart): a request that finds no
   * endpoint is held for them too, for as long as the activator holds, instead of answered 503.
   */
  starting?: boolean;
  endpoints: Endpoint[];
  /** Plain HTTP to it is answered with a redirect to HTTPS (by routers that serve HTTPS). */
  httpsRedirect?: boolean;
}

export const endpointsKey = (prefix: string) => `${prefix}endpoints`;

/** Sorted, so an unchanged table encodes to the same text and is not written again. */
export function encodeAppEndpoints(entry: AppEndpoints): string {
  const endpoints = [...entry.endpoints].sort((a, b) =>
    a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0,
  );
  return JSON.stringify({
    appId: entry.appId,
    activatable: entry.activatable,
    endpoints,
    ...(entry.starting ? { starting: true } : {}),
    // Only when set: the entries of apps without it read as before.
    ...(entry.httpsRedirect ? { httpsRedirect: true } : {}),
  });
}
