/**
 * The router's table: for each app host name, the instances that may take traffic. The
 * orchestrator writes it (a Redis hash, host → JSON Endpoint[]) and announces each change with a
 * `routers` wake-up naming the host (wake.ts); routers load it whole at start and on reconnect.
 */

export interface Endpoint {
  instanceId: string;
  host: string;
  port: number;
}

export const endpointsKey = (prefix: string) => `${prefix}endpoints`;

export function encodeEndpoints(endpoints: Endpoint[]): string {
  return JSON.stringify(
    [...endpoints].sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0)),
  );
}

export function decodeEndpoints(text: string | null | undefined): Endpoint[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as Endpoint[]) : [];
}
