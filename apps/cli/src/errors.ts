/** A failure the user can act on; its message is what follows `error: ` on stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    /** The API's problem code, when the API refused the request. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CliError';
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
