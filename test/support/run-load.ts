import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const LOAD = resolve(__dirname, 'load.mjs');

/** What load.mjs answers: every request's outcome, and the versions the app answered with. */
export interface LoadReport {
  total: number;
  failed: number;
  failures: unknown[];
  versions: string[];
}

/**
 * Bounded load through the router from a separate process (so the test's own event loop cannot
 * slow it): `rate` requests a second for `seconds` to `host`.
 */
export function load(port: number, host: string, rate: number, seconds: number): Promise<LoadReport> {
  return new Promise((done, fail) =>
    execFile(process.execPath, [LOAD, String(port), host, String(rate), String(seconds)], (error, stdout) =>
      error ? fail(error) : done(JSON.parse(stdout) as LoadReport),
    ),
  );
}
