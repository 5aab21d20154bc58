/**
 * The control plane's wake-ups over Redis pub/sub, as one type with one encoding for every sender
 * (gateway, builder, orchestrator) and every receiver (orchestrator, the agents' watch hub,
 * routers), so a typo in a hand-built channel or message cannot make a wake-up nobody hears.
 * Wake-ups only say *that* something changed: receivers read the state itself, and look at
 * everything again after a reconnect, since wake-ups sent meanwhile are lost.
 */

/**
 * What an orchestrator wake-up says changed: an app's or a node's state, or an app's demand (a
 * router holds requests for an app scaled to zero; how many is in Redis, see demand.ts).
 */
export type OrchestratorWake =
  | { kind: 'app'; id: string }
  | { kind: 'node'; id: string }
  | { kind: 'demand'; id: string }
  /** A node's instance metrics were stored: the autoscaler may look before its next sync. */
  | { kind: 'metrics'; id: string };

export type Wake =
  /** The orchestrator's reconcilers look at an app or at the nodes again. */
  | { to: 'orchestrator'; changed: OrchestratorWake }
  /** The watches of one node's assignments read them again. */
  | { to: 'node'; nodeId: string }
  /** Routers read one host's endpoints again. */
  | { to: 'routers'; host: string }
  /** Routers read one certificate again (certificates.ts). */
  | { to: 'routers'; certificate: string };

/** The one call of a Redis client a sender needs (ioredis' `publish`). */
export interface WakePublisher {
  publish(channel: string, message: string): Promise<unknown>;
}

const orchestratorChannel = (prefix: string) => `${prefix}wake:orchestrator`;
const nodeChannelPrefix = (prefix: string) => `${prefix}wake:node:`;
const routersChannel = (prefix: string) => `${prefix}endpoints:changed`;
/** A host name never holds a colon: a router older than certificates reads this as no host of its. */
const CERTIFICATE_MESSAGE = 'certificate:';
/** Node wake-ups carry no news of their own: the watch reads the node's assignments. */
const NODE_MESSAGE = 'changed';

/** Where each receiver listens: a channel, or for the agents' watch hub a pattern over all nodes. */
export const wakeSubscriptions = {
  orchestrator: (prefix: string) => orchestratorChannel(prefix),
  nodesPattern: (prefix: string) => `${nodeChannelPrefix(prefix)}*`,
  routers: (prefix: string) => routersChannel(prefix),
} as const;

export function wakeChannel(prefix: string, wake: Wake): string {
  switch (wake.to) {
    case 'orchestrator':
      return orchestratorChannel(prefix);
    case 'node':
      return `${nodeChannelPrefix(prefix)}${wake.nodeId}`;
    case 'routers':
      return routersChannel(prefix);
  }
}

export function wakeMessage(wake: Wake): string {
  switch (wake.to) {
    case 'orchestrator':
      return `${wake.changed.kind}:${wake.changed.id}`;
    case 'node':
      return NODE_MESSAGE;
    case 'routers':
      return 'host' in wake ? wake.host : `${CERTIFICATE_MESSAGE}${wake.certificate}`;
  }
}

/** Sends `wake`; a failure is the caller's to log (a lost wake-up is made good by the next resync). */
export async function publishWake(redis: WakePublisher, prefix: string, wake: Wake): Promise<void> {
  await redis.publish(wakeChannel(prefix, wake), wakeMessage(wake));
}

/** The wake-up a message on `channel` carries, or null for one this version does not know (ignored). */
export function readWake(prefix: string, channel: string, message: string): Wake | null {
  if (channel === orchestratorChannel(prefix)) {
    const changed = readOrchestratorMessage(message);
    return changed ? { to: 'orchestrator', changed } : null;
  }
  if (channel === routersChannel(prefix)) {
    if (message.startsWith(CERTIFICATE_MESSAGE)) {
      const certificate = message.slice(CERTIFICATE_MESSAGE.length);
      return certificate ? { to: 'routers', certificate } : null;
    }
    return message ? { to: 'routers', host: message } : null;
  }
  const nodes = nodeChannelPrefix(prefix);
  if (channel.startsWith(nodes) && channel.length > nodes.length)
    return { to: 'node', nodeId: channel.slice(nodes.length) };
  return null;
}

function readOrchestratorMessage(message: string): OrchestratorWake | null {
  const colon = message.indexOf(':');
  const kind = message.slice(0, colon);
  const id = message.slice(colon + 1);
  if (colon < 1 || id === '') return null;
  return kind === 'app' || kind === 'node' || kind === 'demand' || kind === 'metrics' ? { kind, id } : null;
}
