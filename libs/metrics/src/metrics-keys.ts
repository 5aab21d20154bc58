/**
 * The Redis layout. Figures are kept per second in one hash per app per minute, so a write is a
 * few HINCRBYs in one pipeline and a read of a window is one command per minute it spans:
 *
 * - `{prefix}metrics:{appId}:{minute}`: fields `{second}:{processType}:{figure}` — per process
 *   type the instances' sums (cpu, mem, n, ready) and, for `web`, the routers' sums (conc, req,
 *   lat{bucket}); sums, so several agents' and routers' figures for a second merge exactly.
 * - `{prefix}metrics:{appId}:{minute}:instances`: fields `{instanceId}:{second}` = "cpu mem ready",
 *   for the autoscaler's per-instance view.
 * - `{prefix}metrics:routers:{minute}`: fields `{second}` = how many routers reported that second,
 *   so "no router reported" (no data) differs from "no traffic" (zero).
 * - `{prefix}metrics:routers`: sorted set routerId → when it last reported (its heartbeat).
 * - `{prefix}metrics:{appId}:last-activity`: ms of the last second with traffic.
 * - `{prefix}metrics:requests:{minute}`: fields `{appId}` = requests the routers answered in the
 *   minute, for usage; kept a day (not the retention) so a leaderless control plane catches up.
 *
 * `minute` and `second` are UTC epoch minute and the second within it (0–59).
 */
export class MetricsKeys {
  constructor(private readonly prefix: string) {}

  app(appId: string, minute: number): string {
    return `${this.prefix}metrics:${appId}:${minute}`;
  }

  instances(appId: string, minute: number): string {
    return `${this.prefix}metrics:${appId}:${minute}:instances`;
  }

  routerSeconds(minute: number): string {
    return `${this.prefix}metrics:routers:${minute}`;
  }

  routers(): string {
    return `${this.prefix}metrics:routers`;
  }

  lastActivity(appId: string): string {
    return `${this.prefix}metrics:${appId}:last-activity`;
  }

  requests(minute: number): string {
    return `${this.prefix}metrics:requests:${minute}`;
  }
}

/** Epoch second. */
export const epochSecond = (ms: number) => Math.floor(ms / 1000);

export const minuteOf = (second: number) => Math.floor(second / 60);

export const secondInMinute = (second: number) => second - minuteOf(second) * 60;

/** `count` consecutive epoch seconds ending with `last`, grouped by minute. */
export function secondsByMinute(last: number, count: number): Map<number, number[]> {
  const byMinute = new Map<number, number[]>();
  for (let second = last - count + 1; second <= last; second++) {
    const minute = minuteOf(second);
    const seconds = byMinute.get(minute) ?? [];
    seconds.push(second);
    byMinute.set(minute, seconds);
  }
  return byMinute;
}
