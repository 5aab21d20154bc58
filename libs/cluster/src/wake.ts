/**
 * What an orchestrator wake-up says changed: the message on `orchestratorWakeChannel`. One
 * encoding for every sender (gateway, builder) and the receiver (orchestrator), so a typo in a
 * hand-built string cannot make a wake-up that nobody hears.
 */
export type OrchestratorWake = { kind: 'app'; id: string } | { kind: 'node'; id: string };

export function encodeWake(wake: OrchestratorWake): string {
  return `${wake.kind}:${wake.id}`;
}

/** The wake-up a message carries, or null for one this version does not know (it is ignored). */
export function decodeWake(message: string): OrchestratorWake | null {
  const colon = message.indexOf(':');
  const kind = message.slice(0, colon);
  const id = message.slice(colon + 1);
  if (colon < 1 || id === '') return null;
  return kind === 'app' || kind === 'node' ? { kind, id } : null;
}
