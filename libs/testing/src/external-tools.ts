import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Fails (never skips) when a tool the tests judge with is missing: a suite that quietly skips
 * its checks on a machine without them would pass while checking nothing.
 */
export function requireTool(binary: string, debianPackage: string): void {
  const found = (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    throw new Error(
      `${binary} is not installed; run the apt step of .ci/run (or: apt-get install -y ${debianPackage}) and retry`,
    );
  }
}

/** Runs a tool and returns its stdout; a failure carries the command line and stderr. */
export async function run(binary: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(binary, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${binary} ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
  }
}

/** The JSON a tool printed. */
export async function runJson<T>(binary: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await run(binary, args)) as T;
}
