import type { HttpCheck } from '@nimbus/domain';
import type { ProbeResult } from './probes';

export type GateVerdict = 'passed' | 'waiting' | 'failed';

/**
 * Dokku's startup check for one start of an instance: the first attempt `initialDelay` seconds
 * after it started, then one every `wait` seconds; the first that passes lets it in, and when
 * `attempts` have failed it has failed to start. Pure: the caller probes and tells the time.
 */
export class StartupGate {
  private failures = 0;
  /** When the next attempt is due, in milliseconds since the epoch. */
  nextAttemptAt: number;

  constructor(
    private readonly startup: NonNullable<HttpCheck['startup']>,
    startedAt: number,
  ) {
    this.nextAttemptAt = startedAt + startup.initialDelay * 1000;
  }

  due(now: number): boolean {
    return now >= this.nextAttemptAt;
  }

  /** Counts an attempt made at `now`. */
  record(result: ProbeResult, now: number): GateVerdict {
    if (result.ok) return 'passed';
    this.failures += 1;
    if (this.failures >= this.startup.attempts) return 'failed';
    this.nextAttemptAt = now + this.startup.wait * 1000;
    return 'waiting';
  }

  /** "2 of 3 attempts", for the instance's status while it waits. */
  get progress(): string {
    return `${this.failures} of ${this.startup.attempts} attempts failed`;
  }
}
