/** A failure the user can act on; its message is what follows `error: ` on stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    /** The API's problem code, when the API refused the request. */
    readonly code?: string,
    /** The exit status it ends the command with: 1 unless there is a convention (130 after Ctrl-C). */
    readonly exitStatus = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Ends the command with this status and nothing more on stderr: `nimbus run` returns its one-off's
 * exit status, whose own stderr already said what went wrong.
 */
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit status ${status}`);
    this.name = 'ExitStatus';
  }
}

/** The single line printed for any failure, whatever its origin. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const detail = message
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return `error: ${detail || 'unknown error'}`;
}
