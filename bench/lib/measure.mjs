// The arithmetic and the machine readings every bench reports with, kept in one place so that a
// median, a percentile or "CPU busy" means the same thing in each bench's figures.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const ascending = (values) => [...values].sort((a, b) => a - b);

function middleOf(sorted) {
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The middle value, or the mean of the two middle ones; unrounded. `values` is not changed. */
export const median = (values) => middleOf(ascending(values));

/** Nearest-rank percentile (`fraction` 0–1) of ascending `sorted` values; NaN when there are none. */
export function percentile(sorted, fraction) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] : NaN;
}

/** Median, min and max of the runs, and every sample in run order, each to 3 decimals. */
export function stats(values) {
  const sorted = ascending(values);
  const round = (value) => +value.toFixed(3);
  return {
    median: round(middleOf(sorted)),
    min: round(sorted[0]),
    max: round(sorted.at(-1)),
    samples: values.map(round),
  };
}

/** Percent of all CPUs busy over the next second: other work on the machine skews every figure. */
export async function machineBusyPercent() {
  const sample = () => {
    try {
      const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
      return { idle: ticks[3] + ticks[4], total: ticks.reduce((sum, tick) => sum + tick, 0) };
    } catch {
      return { idle: NaN, total: NaN };
    }
  };
  const before = sample();
  await sleep(1000);
  const after = sample();
  return Math.round(100 - (100 * (after.idle - before.idle)) / (after.total - before.total));
}

/** The report's line for `machineBusyPercent`'s reading. */
export const busyLine = (percent) =>
  `CPU busy in the second before the run: ${percent}% (anything but a few percent skews the figures)`;

/** What the figures were measured on, as each bench's JSON names it. */
export function machine() {
  return {
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
  };
}

/**
 * CPU seconds one process has used, all threads (utime + stime; USER_HZ is 100 on Linux), and
 * its parent's PID. Throws when the process is gone or there is no /proc.
 */
export function processCpu(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}
