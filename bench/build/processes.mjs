// Child processes the bench starts and must leave nothing of: each service is stopped by its
// PID, and whatever it started (git http-backend, hooks, npm in the build sandbox) by theirs.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

const STOP_GRACE_MS = 10_000;
const CGROUP_ROOT = '/sys/fs/cgroup';

/** pid, parent pid and start time (clock ticks after boot: tells a PID apart from its reuse). */
function stat(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { pid: Number(pid), ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return null; // gone, or not Linux
  }
}

/** Every live process below `pid`, at this moment. */
export function descendants(pid) {
  let all;
  try {
    all = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(stat)
      .filter(Boolean);
  } catch {
    return [];
  }
  const found = [];
  let parents = new Set([pid]);
  while (parents.size) {
    const children = all.filter((entry) => parents.has(entry.ppid));
    found.push(...children);
    parents = new Set(children.map((entry) => entry.pid));
  }
  return found;
}

/**
 * The build sandbox's cgroups (`nimbus-…`) a process is in: the sandbox removes them when its
 * command ends, but not when the process running the sandbox is killed first.
 */
function sandboxCgroups(pid) {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .filter(([, , path]) => /\/nimbus-[0-9a-f]+$/.test(path ?? ''))
      .map(([, controllers, path]) => join(CGROUP_ROOT, controllers, path));
  } catch {
    return [];
  }
}

/**
 * SIGKILLs the processes of a `descendants` snapshot still alive as the same processes, then
 * removes the sandbox cgroups they were in once empty. Resolves to the number killed.
 */
export async function killSnapshot(snapshot) {
  let killed = 0;
  const cgroups = new Set();
  for (const entry of snapshot) {
    if (stat(entry.pid)?.start !== entry.start) continue;
    for (const cgroup of sandboxCgroups(entry.pid)) cgroups.add(cgroup);
    try {
      process.kill(entry.pid, 'SIGKILL');
      killed++;
    } catch {
      // exited meanwhile
    }
  }
  // A killed process leaves its cgroup a moment later; rmdir fails (EBUSY) until then.
  for (let attempt = 0; attempt < 20 && cgroups.size; attempt++) {
    for (const cgroup of cgroups) {
      try {
        rmdirSync(cgroup);
        cgroups.delete(cgroup);
      } catch (error) {
        if (error.code === 'ENOENT') cgroups.delete(cgroup);
      }
    }
    if (cgroups.size) await sleep(50);
  }
  return killed;
}

function get(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/**
 * Starts `node main` with exactly `env`, output to `logPath`, and waits until `readyUrl` answers
 * 200; `register` gets it first, so it is stopped even when the bench ends while it starts. It
 * has its own process group, so a Ctrl-C reaches only the bench, which then stops it in order.
 */
export async function startService({ name, main, env, logPath, readyUrl, cwd, register }) {
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [main], { cwd, env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const tail = () => readFileSync(logPath, 'utf8').slice(-3000);
  const service = {
    name,
    pid: child.pid,
    logPath,
    tail,
    /** SIGTERM, SIGKILL after a grace period, then whatever it left behind; idempotent. */
    stop: async () => {
      const left = descendants(child.pid);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(forced);
      }
      const strays = await killSnapshot(left);
      return `pid ${child.pid} stopped${strays ? ` (+${strays} leftover processes killed)` : ''}`;
    },
  };
  register(service);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode)
      throw new Error(`${name} exited while starting:\n${tail()}`);
    if ((await get(readyUrl)) === 200) return service;
    await sleep(100);
  }
  await service.stop();
  throw new Error(`${name} not ready after 30 s:\n${tail()}`);
}
