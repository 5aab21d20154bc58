import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { DEMAND_TTL_MS } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import { problems, type RouterProblem } from '../proxy/error-pages';
import type { Exchange } from '../proxy/exchange';
import type { AppRoute } from '../routing/balancer';
import { ActivatorMetrics, type RejectReason } from './activator.metrics';
import type { DemandReporter } from './demand-reporter';
import { DemandThrottle } from './demand-throttle';
import { HoldQueue } from './hold-queue';

/** Knative's activator reports at most this often; the first held request is never delayed. */
const DEMAND_MIN_INTERVAL_MS = 50;
/**
 * A router's demand counts for DEMAND_TTL_MS after it was written: written again thrice in that
 * span, held demand survives a lost write, and is back soon after a Redis outage ends.
 */
const DEMAND_REFRESH_MS = DEMAND_TTL_MS / 3;

/** A request (or WebSocket handshake) waiting for its app to start. */
export interface HeldRequest {
  /** Its 'abort' (the client left) takes it out of the queue. */
  exchange: Exchange;
  /** Sends it on through the normal path, to the route that now has instances. */
  forward(route: AppRoute): void;
  /** Answers it with the router's own page. */
  refuse(problem: RouterProblem): void;
}

/** What the activator reads of the endpoint table. */
export interface RouteSource {
  get(host: string): AppRoute | undefined;
  hosts(): Iterable<string>;
  /** Calls `listener` after a host's route changed, with no host after the whole table was read. */
  onChange(listener: (host?: string) => void): void;
}

export interface ActivatorOptions {
  table: RouteSource;
  demand: DemandReporter;
  registry: Registry;
  logger: Logger;
  /** How long a request is held before it is answered 503. */
  timeoutMs: number;
  /** Requests held per app at most; more are answered 503 at once. */
  queueSize: number;
}

interface Waiting extends HeldRequest {
  heldAt: number;
  onAbort: () => void;
}

/** One app's held requests and the timers that serve them. */
interface AppHold {
  host: string;
  appId: string;
  queue: HoldQueue<Waiting>;
  throttle: DemandThrottle;
  demandTimer?: NodeJS.Timeout;
  timeoutTimer?: NodeJS.Timeout;
}

/**
 * Scale from zero without losing a request: a request to an app at zero on purpose (an
 * `activatable` route with no instances) is held instead of refused, the orchestrator is told at
 * once how many wait (demand.ts), and every held request is forwarded the moment the endpoint
 * table gives the app instances. Each held request is answered exactly once: whoever takes it out
 * of its queue (release, timeout, the client leaving, the router closing) is the only one to act.
 */
export class Activator {
  private readonly holds = new Map<string, AppHold>();
  private readonly metrics: ActivatorMetrics;
  private closed = false;

  constructor(private readonly options: ActivatorOptions) {
    this.metrics = new ActivatorMetrics(options.registry, () => this.heldByHost());
    options.table.onChange((host) => this.routesChanged(host));
  }

  /** Holds `request` for `route`, which has no instances now; it is answered one way or another. */
  hold(route: AppRoute, request: HeldRequest): void {
    if (this.closed) return this.reject(request, 'closing', problems.stopping(route.host));
    const hold = this.holds.get(route.host) ?? this.startHolding(route);
    const waiting: Waiting = {
      ...request,
      heldAt: performance.now(),
      onAbort: () => this.abandoned(hold, waiting),
    };
    if (!hold.queue.add(waiting)) return this.reject(request, 'queue_full', problems.appStarting(route.host));
    request.exchange.once('abort', waiting.onAbort);
    if (hold.queue.size === 1) this.scheduleTimeout(hold);
    this.reportDemand(hold);
  }

  private startHolding(route: AppRoute): AppHold {
    const hold: AppHold = {
      host: route.host,
      appId: route.appId,
      queue: new HoldQueue(this.options.queueSize),
      throttle: new DemandThrottle(DEMAND_MIN_INTERVAL_MS, DEMAND_REFRESH_MS),
    };
    this.holds.set(route.host, hold);
    return hold;
  }

  /** Answers every request still held with 503 and holds no more: the router is stopping. */
  close(): void {
    this.closed = true;
    for (const hold of [...this.holds.values()]) {
      this.rejectAll(hold, 'closing', problems.stopping(hold.host));
    }
  }

  /** Held requests per activatable host (0 when none wait), for the metrics. */
  *heldByHost(): Iterable<readonly [string, number]> {
    const { table } = this.options;
    for (const host of table.hosts()) {
      if (table.get(host)?.activatable) yield [host, this.holds.get(host)?.queue.size ?? 0];
    }
    for (const [host, hold] of this.holds) if (!table.get(host)?.activatable) yield [host, hold.queue.size];
  }

  private routesChanged(host: string | undefined): void {
    if (host === undefined) {
      for (const hold of [...this.holds.values()]) this.settle(hold);
      return;
    }
    const hold = this.holds.get(host.toLowerCase());
    if (hold) this.settle(hold);
  }

  /** Releases, or refuses, what is held for a host whose route changed. */
  private settle(hold: AppHold): void {
    const route = this.options.table.get(hold.host);
    if (route && route.upstreams.length > 0) return this.releaseAll(hold, route);
    // Deleted, or no longer at zero on purpose: answered as a new request would be.
    if (!route) this.rejectAll(hold, 'no_route', problems.unknownHost(hold.host));
    else if (!route.activatable) this.rejectAll(hold, 'no_route', problems.noInstances(hold.host));
  }

  private releaseAll(hold: AppHold, route: AppRoute): void {
    const released = hold.queue.takeAll();
    this.emptied(hold);
    const now = performance.now();
    // One after another in one tick: each forward takes its instance's load before the next
    // picks, so least-connections spreads the burst over the new instances.
    for (const waiting of released) {
      waiting.exchange.off('abort', waiting.onAbort);
      this.metrics.wait.observe((now - waiting.heldAt) / 1000);
      this.answer(waiting, () => waiting.forward(route));
    }
    this.options.logger.info(
      { host: hold.host, appId: hold.appId, released: released.length, instances: route.upstreams.length },
      'activator: released held requests',
    );
  }

  private rejectAll(hold: AppHold, reason: RejectReason, problem: RouterProblem): void {
    const refused = hold.queue.takeAll();
    this.emptied(hold);
    for (const waiting of refused) {
      waiting.exchange.off('abort', waiting.onAbort);
      this.answer(waiting, () => this.reject(waiting, reason, problem));
    }
  }

  private abandoned(hold: AppHold, waiting: Waiting): void {
    if (!hold.queue.remove(waiting)) return;
    if (hold.queue.size === 0) this.emptied(hold);
    else this.reportDemand(hold);
  }

  private timedOut(hold: AppHold): void {
    hold.timeoutTimer = undefined;
    const deadline = performance.now() - this.options.timeoutMs;
    // Oldest first and all held as long: the expired ones are at the front.
    for (
      let oldest = hold.queue.oldest();
      oldest && oldest.heldAt <= deadline;
      oldest = hold.queue.oldest()
    ) {
      hold.queue.remove(oldest);
      oldest.exchange.off('abort', oldest.onAbort);
      this.answer(oldest, () =>
        this.reject(oldest, 'timeout', problems.startTimeout(hold.host, this.options.timeoutMs)),
      );
    }
    if (hold.queue.size === 0) return this.emptied(hold);
    this.scheduleTimeout(hold);
    this.reportDemand(hold);
  }

  private scheduleTimeout(hold: AppHold): void {
    const oldest = hold.queue.oldest();
    if (!oldest || hold.timeoutTimer) return;
    const dueIn = Math.max(0, oldest.heldAt + this.options.timeoutMs - performance.now());
    hold.timeoutTimer = setTimeout(() => this.timedOut(hold), dueIn).unref();
  }

  /** Nothing is held for the app any more: demand back to 0 at once, and the app forgotten. */
  private emptied(hold: AppHold): void {
    clearTimeout(hold.timeoutTimer);
    hold.timeoutTimer = undefined;
    this.reportDemand(hold);
    clearTimeout(hold.demandTimer);
    this.holds.delete(hold.host);
  }

  private reportDemand(hold: AppHold): void {
    clearTimeout(hold.demandTimer);
    hold.demandTimer = undefined;
    const { report, againInMs } = hold.throttle.step(hold.queue.size, performance.now());
    if (report) this.options.demand.send(hold.appId, report);
    if (againInMs !== undefined) {
      hold.demandTimer = setTimeout(() => this.reportDemand(hold), againInMs).unref();
    }
  }

  /** Answers one request taken from a queue: one that fails must not strand the others (or, from a timer, crash the router). */
  private answer(waiting: Waiting, how: () => void): void {
    try {
      how();
    } catch (error) {
      this.options.logger.error(
        { err: error, host: waiting.exchange.host, requestId: waiting.exchange.requestId },
        'activator: could not answer a held request',
      );
    }
  }

  private reject(request: HeldRequest, reason: RejectReason, problem: RouterProblem): void {
    this.metrics.rejected.inc({ reason });
    request.refuse(problem);
  }
}
