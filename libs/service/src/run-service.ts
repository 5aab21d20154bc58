import { ConfigError } from '@nimbus/config';

/**
 * Runs a process's `main`: a failure to start (a bad setting, most often) is one `error:` line
 * on stderr and exit status 1, as every Nimbus process reports it.
 */
export function runService(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message =
      error instanceof ConfigError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`error: ${name} failed to start: ${message}\n`);
    process.exit(1);
  });
}

/**
 * Stops cleanly on SIGTERM or SIGINT: `stop` runs once, however many signals come, and the
 * process exits 0 after it (1 if it throws).
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `error: unclean stop: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
