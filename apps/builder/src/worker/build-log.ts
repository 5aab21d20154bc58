import type { Logger } from '@nimbus/logging';
import type { BuildOutputStream } from '@nimbus/queue';

const MASK = '[secret]';
/** Values this short are too likely to appear by chance to be masked usefully. */
const MIN_MASKED_LENGTH = 4;

/**
 * One build's output: every line goes live to the build's stream (in order) and is kept whole
 * for Postgres. Secret values of the app are masked before a line goes anywhere, since build
 * and release steps are the app's own code and may print their environment.
 */
export class BuildLog {
  private readonly lines: string[] = [];
  private secrets: string[] = [];
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly stream: BuildOutputStream,
    private readonly buildId: string,
    private readonly logger: Logger,
  ) {}

  /** Values to mask from here on: the app's secrets, once they are known. */
  mask(values: string[]): void {
    // Longest first, so a secret containing another is masked whole.
    this.secrets = values
      .filter((value) => value.length >= MIN_MASKED_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  readonly write = (raw: string): void => {
    let line = raw;
    for (const secret of this.secrets) line = line.split(secret).join(MASK);
    this.lines.push(line);
    this.pending = this.pending
      .then(() => this.stream.append(this.buildId, line))
      .catch((error: unknown) =>
        this.logger.warn({ err: error, buildId: this.buildId }, 'could not stream a build output line'),
      );
  };

  get text(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }

  /** Waits for the lines written so far, then marks the stream's end for its readers. */
  async end(status: 'succeeded' | 'failed'): Promise<void> {
    await this.pending;
    await this.stream
      .end(this.buildId, status)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, buildId: this.buildId }, 'could not end a build stream'),
      );
  }
}
