/**
 * The router's table: for each app host name, the instances that may take traffic. The
 * orchestrator writes it (a Redis hash, host → JSON Endpoint[]) and announces each change on a
 * channel (the message is the host name); routers load it whole at start and on reconnect.
 */

export interface Endpoint {
  instanceId: string;
  host: string;
  port: number;
}

export const endpointsKey = (prefix: string) => `${prefix}endpoints`;
export const endpointsChannel = (prefix: string) => `${prefix}endpoints:changed`;

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
