import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The built CLI: `npm test` builds first; locally run `npx tsc -b apps/cli` before jest. */
export const NIMBUS_CLI = resolve(__dirname, '../../apps/cli/dist/main.js');

export interface CliResult {
  /** The exit code, or -1 when the CLI did not exit by itself (killed, or out of time). */
  status: number;
  stdout: string;
  stderr: string;
}

/** Who runs the CLI: the home its config file lives in, the gateway it calls and the token it sends. */
export interface CliUser {
  home: string;
  api: string;
  token: string;
}

/**
 * The CLI's whole environment, as on a user's machine: nothing of the developer's (no PATH, no
 * NIMBUS_* or config left over from their shell) can change what a test sees.
 */
export function nimbusEnv({ home, api, token }: CliUser): NodeJS.ProcessEnv {
  return { HOME: home, NIMBUS_CONFIG: join(home, 'config.json'), NIMBUS_API: api, NIMBUS_TOKEN: token };
}

/** Runs the built CLI to its end as `user`, with `nimbusEnv` only; `timeout` in ms kills it. */
export function runNimbus(
  user: CliUser,
  args: string[],
  options: { timeout?: number } = {},
): Promise<CliResult> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [NIMBUS_CLI, ...args],
      { ...options, env: nimbusEnv(user) },
      (error, stdout, stderr) =>
        done({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    ),
  );
}
