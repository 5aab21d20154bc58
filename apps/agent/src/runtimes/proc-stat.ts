import { readFile, readdir } from 'node:fs/promises';

/** What the agent needs from /proc/PID/stat. */
export interface ProcStat {
  /** R, S, D, Z (zombie: exited, not yet reaped), … */
  state: string;
  pgrp: number;
  /** CPU time in clock ticks (USER_HZ, 100 on every Linux that Node runs on). */
  cpuTicks: number;
  /** Since boot, in clock ticks: with the pid, names one process for good (pids are reused). */
  startTicks: number;
}

const TICKS_PER_SECOND = 100;

export async function readProcStat(pid: number): Promise<ProcStat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: fields[0] ?? '?',
    pgrp: Number(fields[2]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    startTicks: Number(fields[19]),
  };
}

/** Whether `pid` is still the process that was started (same start time) and has not exited. */
export async function processRunning(
  pid: number | undefined,
  startTicks: number | undefined,
): Promise<boolean> {
  if (pid === undefined) return false;
  const stat = await readProcStat(pid);
  if (stat === null || stat.state === 'Z' || stat.state === 'X') return false;
  return startTicks === undefined || stat.startTicks === startTicks;
}

/** CPU seconds and resident memory of a process group, summed from /proc: for hosts without cgroups. */
export async function processGroupUsage(pgid: number): Promise<{ cpuSeconds: number; memoryBytes: number }> {
  let ticks = 0;
  let memoryBytes = 0;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readProcStat(Number(name));
    if (stat?.pgrp !== pgid) continue;
    ticks += stat.cpuTicks;
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    memoryBytes += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, memoryBytes };
}

/** Polls `check` until it is true or `timeoutMs` has passed; says which. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((done) => setTimeout(done, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
}
