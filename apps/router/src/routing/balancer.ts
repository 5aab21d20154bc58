import type { BalanceStrategy } from '../router.config';

/** One instance an app's traffic may go to, as the router keeps it. */
export interface Upstream {
  readonly instanceId: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`: what the connection pool, the load count and ejection are keyed by. */
  readonly key: string;
  /** `http://host:port`, for undici; built once rather than per request. */
  readonly origin: string;
  /** The same for http-proxy-3 (WebSockets). */
  readonly target: { readonly protocol: 'http:'; readonly host: string; readonly port: number };
}

/** An app host's instances and where its rotation stands; replaced whole when the table changes. */
export interface AppRoute {
  readonly host: string;
  /** '' when an older orchestrator wrote the entry (a bare array): then nothing is reported for it. */
  readonly appId: string;
  /**
   * A request finding no upstream is held by the activator, not refused: the app is at zero on
   * purpose, or its instances are starting.
   */
  readonly activatable: boolean;
  /** Plain HTTP to it is redirected to HTTPS (by the edge, when it serves HTTPS). */
  readonly httpsRedirect: boolean;
  readonly upstreams: readonly Upstream[];
  /** Index the next pick starts looking from, so equal candidates take turns. */
  next: number;
}

/**
 * Chooses an instance per request. No I/O: the proxy reports what it starts and finishes.
 *
 * Least-connections counts the requests this router process has in flight to each instance (an
 * instance's own queue is invisible from here), and rotates among the least loaded so that
 * sequential traffic, where every count is zero, still spreads.
 */
export class Balancer {
  private readonly inFlight = new Map<string, number>();
  /** Instances that refused a connection, skipped until then unless nothing else is left. */
  private readonly ejectedUntil = new Map<string, number>();

  constructor(
    private readonly strategy: BalanceStrategy,
    private readonly now: () => number = Date.now,
  ) {}

  /** The instance for the next request of `route`, never one in `exclude` (those already tried). */
  pick(route: AppRoute, exclude?: readonly string[]): Upstream | undefined {
    const { upstreams } = route;
    const count = upstreams.length;
    let best: Upstream | undefined;
    let bestIndex = 0;
    let bestLoad = Infinity;
    let fallback: Upstream | undefined;
    let fallbackIndex = 0;
    const now = this.now();
    for (let step = 0; step < count; step++) {
      const index = (route.next + step) % count;
      const upstream = upstreams[index] as Upstream;
      if (exclude?.includes(upstream.key)) continue;
      if (this.isEjected(upstream.key, now)) {
        if (!fallback) [fallback, fallbackIndex] = [upstream, index];
        continue;
      }
      if (this.strategy === 'round-robin') {
        [best, bestIndex] = [upstream, index];
        break;
      }
      const load = this.inFlight.get(upstream.key) ?? 0;
      if (load < bestLoad) {
        [best, bestIndex, bestLoad] = [upstream, index, load];
        if (load === 0) break;
      }
    }
    if (!best && fallback) [best, bestIndex] = [fallback, fallbackIndex];
    if (best) route.next = (bestIndex + 1) % count;
    return best;
  }

  acquire(upstream: Upstream): void {
    this.inFlight.set(upstream.key, (this.inFlight.get(upstream.key) ?? 0) + 1);
  }

  release(upstream: Upstream): void {
    const left = (this.inFlight.get(upstream.key) ?? 1) - 1;
    // Dropping zeros keeps the map to instances that are busy now, whatever comes and goes.
    if (left > 0) this.inFlight.set(upstream.key, left);
    else this.inFlight.delete(upstream.key);
  }

  /** Requests this router has in flight to `upstream`. */
  load(upstream: Upstream): number {
    return this.inFlight.get(upstream.key) ?? 0;
  }

  /**
   * Passive health: an instance that refused a connection is probably gone, and the table update
   * that says so may be a moment behind; meanwhile requests go elsewhere first.
   */
  eject(upstream: Upstream, forMs: number): void {
    const now = this.now();
    // Instances that never come back are never looked at again: forget the expired now and then.
    if (this.ejectedUntil.size >= 256) {
      for (const [key, until] of this.ejectedUntil) if (until <= now) this.ejectedUntil.delete(key);
    }
    this.ejectedUntil.set(upstream.key, now + forMs);
  }

  private isEjected(key: string, now: number): boolean {
    const until = this.ejectedUntil.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.ejectedUntil.delete(key);
    return false;
  }
}

export function toUpstream(endpoint: { instanceId: string; host: string; port: number }): Upstream {
  return {
    instanceId: endpoint.instanceId,
    host: endpoint.host,
    port: endpoint.port,
    key: `${endpoint.host}:${endpoint.port}`,
    origin: `http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`,
    target: { protocol: 'http:', host: endpoint.host, port: endpoint.port },
  };
}
