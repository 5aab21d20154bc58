/**
 * When a node counts as ready: the one rule for the orchestrator's scheduling and node lifecycle
 * and for the API's node status and push checks. A node is ready while its agent keeps renewing
 * its lease and the node lifecycle reconciler has not declared it NotReady.
 */

/** What readiness is judged on. */
export interface LeasedNode {
  /** The node lifecycle reconciler's verdict, stored on the node. */
  ready: boolean;
  leaseRenewedAt: Date;
}

/** Leases renewed at or after this time are fresh: for queries that filter on `leaseRenewedAt`. */
export function freshLeaseSince(now: Date, leaseMs: number): Date {
  return new Date(now.getTime() - leaseMs);
}

/** The node's agent renewed its lease within `leaseMs` of `now`. */
export function leaseIsFresh(node: Pick<LeasedNode, 'leaseRenewedAt'>, now: Date, leaseMs: number): boolean {
  return node.leaseRenewedAt.getTime() >= freshLeaseSince(now, leaseMs).getTime();
}

/** The node is ready and its lease is fresh: it may be given instances and is shown Ready. */
export function nodeIsReady(node: LeasedNode, now: Date, leaseMs: number): boolean {
  return node.ready && leaseIsFresh(node, now, leaseMs);
}

/**
 * What the node lifecycle reconciler makes of a node: a ready node whose lease expired becomes
 * NotReady (`expired`), a NotReady node renewing again becomes Ready (`renewed`); null otherwise.
 */
export function leaseTransition(node: LeasedNode, now: Date, leaseMs: number): 'expired' | 'renewed' | null {
  const fresh = leaseIsFresh(node, now, leaseMs);
  if (node.ready && !fresh) return 'expired';
  if (!node.ready && fresh) return 'renewed';
  return null;
}
