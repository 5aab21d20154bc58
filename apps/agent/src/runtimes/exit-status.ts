import { constants } from 'node:os';
import { constants as fsConstants } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Inside an instance's directory: where its exit status is written (mounted at /run/nimbus under runc). */
export const RUN_DIR = 'run';
export const STATUS_FILE = 'exit-status';
const KILLED_FILE = 'killed';

/**
 * Runs the instance's command and writes its exit status to a file, because a runtime that
 * restarted cannot wait() for a process it did not start, and runc keeps no status for detached
 * containers. Arguments: $1 status file, $2 command, $3 what to run the command through (setpriv
 * to drop to the instance's user, after joining the cgroups; empty for none), then cgroup.procs
 * files to join first.
 *
 * Stop signals go to every process (the process group, or `runc kill --all`), so both shells
 * here get SIGTERM too: the outer one traps it and so keeps waiting to write the status; the inner
 * one, which runs the command line, exits once its current command has ended, with that command's
 * status — it must neither die before the app has finished its shutdown, nor go on to the next
 * command of a list. Shells that exec a lone command replace the inner one with the app, whose
 * handlers are then its own.
 */
const WRAPPER = `status_file=$1; cmd=$2; run_as=$3; shift 3
for procs do echo $$ > "$procs" || exit 125; done
trap : TERM
$run_as /bin/sh -c "trap 'exit \\$?' TERM
$cmd"
status=$?
echo "$status" > "$status_file"
exit "$status"`;

/**
 * argv of the wrapper for `command`; `statusFile` is the path as the wrapper sees it. With
 * `user`, the wrapper (root, to join cgroups and write the status) runs the command as that user.
 */
export function wrapperArgv(
  command: string,
  statusFile: string,
  procsFiles: string[] = [],
  user?: { uid: number; gid: number },
): string[] {
  const runAs = user ? `setpriv --reuid=${user.uid} --regid=${user.gid} --clear-groups --no-new-privs` : '';
  return ['/bin/sh', '-c', WRAPPER, 'nimbus-init', statusFile, command, runAs, ...procsFiles];
}

/** The status file's path below an instance's directory on the host. */
export function statusFileIn(dir: string): string {
  return join(dir, RUN_DIR, STATUS_FILE);
}

/**
 * Records that the agent had to SIGKILL the instance: its wrapper dies too and can write nothing.
 * Kept beside the run directory, not in it: an instance can write there (under runc), and a link
 * it left would have the agent write wherever it points.
 */
export async function markKilled(dir: string): Promise<void> {
  await writeFile(join(dir, KILLED_FILE), '').catch(() => undefined);
}

/** Forgets how the instance's last run ended, before it starts again in the same directory. */
export async function clearExitStatus(dir: string): Promise<void> {
  await rm(join(dir, RUN_DIR), { recursive: true, force: true });
  await rm(join(dir, KILLED_FILE), { force: true });
}

/**
 * The status file's text, if it is a small regular file: the instance may have left a link (to
 * a host file), a FIFO (that would block the read) or a huge file in its place.
 */
async function readStatusFile(path: string): Promise<string | null> {
  const file = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK).catch(
    () => null,
  );
  if (!file) return null;
  try {
    const stats = await file.stat();
    if (!stats.isFile() || stats.size > 64) return null;
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

export interface ExitStatus {
  exitCode: number | null;
  signal: string | null;
}

/**
 * How an ended instance ended. A shell reports death by signal N as 128 + N, read back the same
 * way (so a command that itself exits 143 reads as SIGTERM). Unknown (both null) when nothing was
 * written and the agent did not kill it: the wrapper itself was killed by someone else.
 */
export async function readExitStatus(dir: string): Promise<ExitStatus> {
  const text = await readStatusFile(statusFileIn(dir));
  if (text !== null && /^\d+\s*$/.test(text)) {
    const status = Number(text);
    const signal =
      status > 128
        ? Object.entries(constants.signals).find(([, number]) => number === status - 128)?.[0]
        : undefined;
    return signal ? { exitCode: null, signal } : { exitCode: status, signal: null };
  }
  const killed = await readFile(join(dir, KILLED_FILE)).then(
    () => true,
    () => false,
  );
  return { exitCode: null, signal: killed ? 'SIGKILL' : null };
}
