import type { RuntimeHandle, RuntimeState } from '../runtimes/runtime';
import { lastOutputLine } from './last-output';

/** How an instance's run ended: it exited, or it was stopped for failing its checks. */
export type Ended = Extract<RuntimeState, { running: false }> & { unhealthy?: string };

/** The status reason for a run that ended. */
export function exitReason(exit: Ended): 'Unhealthy' | 'OOMKilled' | 'Completed' | 'Error' {
  return exit.unhealthy
    ? 'Unhealthy'
    : exit.oomKilled
      ? 'OOMKilled'
      : exit.exitCode === 0
        ? 'Completed'
        : 'Error';
}

/** The exit code to report: a signal counts as 128 (its number is not known here). */
export function exitCodeOf(exit: Ended): number | null {
  return exit.exitCode ?? (exit.signal ? 128 : null);
}

/** "exit 127, `sh: 1: x: not found`": how it ended and the last thing it said. */
export function describeExit(exit: Ended, memoryMb: number, lastLine: string | null): string {
  const how = exit.oomKilled
    ? `killed for exceeding its memory limit (${memoryMb} MB)`
    : exit.exitCode !== null
      ? `exit ${exit.exitCode}`
      : `killed by ${exit.signal ?? 'a signal'}`;
  return lastLine ? `${how}, \`${lastLine}\`` : how;
}

/** Why it ended, for `ps`: the check it failed, or how it exited and the last thing it said. */
export async function lastFailureOf(exit: Ended, memoryMb: number, handle: RuntimeHandle): Promise<string> {
  return exit.unhealthy ?? describeExit(exit, memoryMb, await lastOutputLine(handle).catch(() => null));
}

/** What `ps` says of a service that ended and waits `delayMs` to be restarted. */
export function crashLoopMessage(exit: Ended, exitCode: number | null, delayMs: number): string {
  return `${exit.unhealthy ? 'stopped: it failed its health check' : `exited ${exit.oomKilled ? 'after hitting its memory limit' : `with ${exitCode}`}`}; restarting in ${Math.round(delayMs / 1000)}s (back-off)`;
}
