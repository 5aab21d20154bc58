import { emptyLatencyHistogram, latencyBucket, type RouterSecond } from '@nimbus/metrics';
import type { Logger } from '@nimbus/logging';
import type { HaproxySocket } from './haproxy-socket';
import { parseStatRows } from './haproxy-stats';

/**
 * HAProxy's current sessions are sampled once a second: the autoscaler averages them over 6 s
 * and 60 s windows. More often costs HAProxy more CPU than a busy app's traffic (`show stat` of
 * every slot).
 */
const SAMPLE_EVERY_MS = 1_000;

/** One backend's figures in `show stat`. */
export interface BackendCounters {
  /** Requests in flight: sessions being served and waiting in the queue. */
  inFlight: number;
  /** HTTP requests since HAProxy started. */
  requests: number;
  /** Mean response time of the last 1,024 requests, ms. */
  responseMs: number;
}

/** `show stat -1 2 -1` (backends only): CSV with a `# ` header naming the columns. */
export function parseBackendStats(output: string): Map<string, BackendCounters> {
  const counters = new Map<string, BackendCounters>();
  for (const row of parseStatRows(output, ['pxname', 'scur', 'qcur', 'req_tot', 'rtime'])) {
    counters.set(row.pxname, { inFlight: row.scur + row.qcur, requests: row.req_tot, responseMs: row.rtime });
  }
  return counters;
}

export interface EdgeTrafficOptions {
  socket: HaproxySocket;
  /** App id → backend, as the controller assigned them. */
  backendOfApp: () => ReadonlyMap<string, string>;
  logger: Logger;
}

interface Tally {
  inFlightSum: number;
  samples: number;
  requestsSeen: number | undefined;
  requestsAtTake: number | undefined;
  responseMs: number;
}

/**
 * Each app's traffic per second from HAProxy's own counters: concurrency sampled, requests from
 * the counter's growth. HAProxy keeps no latency distribution, so a
 * second's requests are all put at its mean response time: charts show the mean as p50 and p95.
 */
export class EdgeTraffic {
  private readonly tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(private readonly options: EdgeTrafficOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The figures since the last take, for every app that had traffic; starts the next period. */
  take(): RouterSecond[] {
    const seconds: RouterSecond[] = [];
    const appOfBackend = new Map<string, string>();
    for (const [appId, backend] of this.options.backendOfApp()) appOfBackend.set(backend, appId);
    for (const [backend, tally] of this.tallies) {
      const appId = appOfBackend.get(backend);
      const requests =
        tally.requestsSeen === undefined || tally.requestsAtTake === undefined
          ? 0
          : // A counter that went down belongs to a restarted HAProxy: all it counted is new.
            tally.requestsSeen >= tally.requestsAtTake
            ? tally.requestsSeen - tally.requestsAtTake
            : tally.requestsSeen;
      const concurrency = tally.samples ? tally.inFlightSum / tally.samples : 0;
      if (appId && (requests > 0 || concurrency > 0)) {
        const latency = emptyLatencyHistogram();
        latency[latencyBucket(tally.responseMs)] = requests;
        seconds.push({ appId, concurrency, requests, latency });
      }
      tally.requestsAtTake = tally.requestsSeen;
      tally.inFlightSum = 0;
      tally.samples = 0;
    }
    return seconds;
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const counters = parseBackendStats(await this.options.socket.send('show stat -1 2 -1'));
      // Every slot is followed, given to an app or not: when one is given, its counter's last
      // figure is where the app's requests start (a first sample would miss the first second).
      for (const [backend, figures] of counters) {
        let tally = this.tallies.get(backend);
        if (!tally) {
          tally = {
            inFlightSum: 0,
            samples: 0,
            requestsSeen: undefined,
            requestsAtTake: figures.requests,
            responseMs: 0,
          };
          this.tallies.set(backend, tally);
        }
        tally.inFlightSum += figures.inFlight;
        tally.samples += 1;
        tally.requestsSeen = figures.requests;
        tally.responseMs = figures.responseMs;
      }
    } catch (error) {
      this.options.logger.debug({ err: (error as Error).message }, 'edge: counters unavailable');
    } finally {
      this.sampling = false;
    }
  }
}
