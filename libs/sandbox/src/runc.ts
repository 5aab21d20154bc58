import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

// Debian installs runc in /usr/sbin, which is not on every PATH (a service's, a non-login shell's).
const FALLBACK_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin', '/usr/local/bin'];

let found: string | null | undefined;

/** The runc binary on PATH or in the usual system directories, or null; looked up once. */
export function findRunc(): string | null {
  if (found !== undefined) return found;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...FALLBACK_DIRS];
  found = null;
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'runc'), constants.X_OK);
      found = join(dir, 'runc');
      break;
    } catch {
      // Not in this directory.
    }
  }
  return found;
}

export interface RuncCall {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** One runc command that is expected to finish on its own (kill, delete, list), never a container's run. */
export function runc(binary: string, stateRoot: string, args: string[]): Promise<RuncCall> {
  return new Promise((done) => {
    execFile(binary, ['--root', stateRoot, ...args], { env: {}, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ ok: error === null, stdout, stderr: stderr.trim() }),
    );
  });
}

/** runc's last error from its JSON log (`--log-format json`), which says why far better than its exit code. */
export async function runcError(logFile: string, code: number | null): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const messages = text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        return entry.level === 'error' || entry.level === 'fatal' ? entry.msg : undefined;
      } catch {
        return line;
      }
    })
    .filter((message): message is string => Boolean(message));
  return messages.at(-1) ?? `runc exited with ${code}`;
}
