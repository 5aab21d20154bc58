import { constants } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Inside an instance's directory: where its exit status is written (mounted at /run/nimbus under runc). */
export const RUN_DIR = 'run';
export const STATUS_FILE = 'exit-status';
const KILLED_FILE = 'killed';

/**
 * Runs the instance's command and writes its exit status to a file, because a runtime that
 * restarted cannot wait() for a process it did not start, and runc keeps no status for detached
 * containers. Arguments: $1 status file, $2 command, then cgroup.procs files to join first.
 *
 * Stop signals go to every process (the process group, or `runc kill --all`), so both shells
 * here get SIGTERM too: the outer one traps it and so keeps waiting to write the status; the inner
 * one, which runs the command line, exits once its current command has ended, with that command's
 * status — it must neither die before the app has finished its shutdown, nor go on to the next
 * command of a list. Shells that exec a lone command replace the inner one with the app, whose
 * handlers are then its own.
 */
const WRAPPER = `status_file=$1; cmd=$2; shift 2
for procs do echo $$ > "$procs" || exit 125; done
trap : TERM
/bin/sh -c "trap 'exit \\$?' TERM
$cmd"
status=$?
echo "$status" > "$status_file"
exit "$status"`;

/** argv of the wrapper for `command`; `statusFile` is the path as the wrapper sees it. */
export function wrapperArgv(command: string, statusFile: string, procsFiles: string[] = []): string[] {
  return ['/bin/sh', '-c', WRAPPER, 'nimbus-init', statusFile, command, ...procsFiles];
}

/** The status file's path below an instance's directory on the host. */
export function statusFileIn(dir: string): string {
  return join(dir, RUN_DIR, STATUS_FILE);
}

/** Records that the agent had to SIGKILL the instance: its wrapper dies too and can write nothing. */
export async function markKilled(dir: string): Promise<void> {
  await writeFile(join(dir, RUN_DIR, KILLED_FILE), '').catch(() => undefined);
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
  const text = await readFile(statusFileIn(dir), 'utf8').catch(() => null);
  if (text !== null && /^\d+\s*$/.test(text)) {
    const status = Number(text);
    const signal =
      status > 128
        ? Object.entries(constants.signals).find(([, number]) => number === status - 128)?.[0]
        : undefined;
    return signal ? { exitCode: null, signal } : { exitCode: status, signal: null };
  }
  const killed = await readFile(join(dir, RUN_DIR, KILLED_FILE)).then(
    () => true,
    () => false,
  );
  return { exitCode: null, signal: killed ? 'SIGKILL' : null };
}
