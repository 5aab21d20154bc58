// How a bench ends, whichever way it ends: its cleanup runs once and says what it did, after a
// run, after a failure, on Ctrl-C or SIGTERM, and when the bench's deadline passes, so that no
// run leaves processes, databases, Redis keys or temp dirs behind.
import { clearTimeout, setTimeout } from 'node:timers';

/** A cleanup report `{ step: result }` on one line: `step result; step result`. */
export const describe = (report) =>
  Object.entries(report)
    .map(([step, result]) => `${step} ${result}`)
    .join('; ');

/**
 * `promise`, or a rejection once `ms` have passed (the work itself is not stopped): a cleanup
 * step that hangs is reported as failed and the next one runs.
 */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    const message = `no end after ${ms / 1000} s`;
    timer = setTimeout(() => reject(new Error(what ? `${what}: ${message}` : message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `main`, then `cleanup`; exits 1 if `main` threw or a cleanup step failed.
 *
 * `cleanup` is idempotent and resolves to a report `{ step: result }`, a failed step's result
 * starting with `FAILED`. On SIGINT or SIGTERM, or once `deadlineSeconds` (if given) have passed,
 * it runs at once, its report goes to stderr and the bench exits 130, 143 or 1; whatever `main`
 * throws after that was cut short on purpose and is not reported. `onFailure` runs after a
 * failure of `main` is printed, to add what explains it (the services' logs, say).
 */
export function runBench(main, { cleanup, deadlineSeconds, onFailure }) {
  let stopping = false;
  const stopEarly = async (why, code) => {
    stopping = true;
    process.stderr.write(`${why}: cleaning up\n`);
    process.stderr.write(`cleanup: ${describe(await cleanup())}\n`);
    process.exit(code);
  };
  process.once('SIGINT', () => stopEarly('SIGINT', 130));
  process.once('SIGTERM', () => stopEarly('SIGTERM', 143));
  // Not unref'd: it also keeps the bench alive, and so cleaning up, should it wait on nothing.
  const deadline =
    deadlineSeconds &&
    setTimeout(() => stopEarly(`deadline of ${deadlineSeconds} s passed`, 1), deadlineSeconds * 1000);

  return main()
    .catch((error) => {
      if (stopping) return;
      process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
      onFailure?.();
      process.exitCode = 1;
    })
    .then(cleanup)
    .then((report) => {
      clearTimeout(deadline);
      const failed = Object.entries(report).filter(([, result]) => String(result).startsWith('FAILED'));
      for (const [step, result] of failed) process.stderr.write(`cleanup: ${step} ${result}\n`);
      if (failed.length) process.exitCode = 1;
    });
}
