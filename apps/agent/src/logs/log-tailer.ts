import { open, stat } from 'node:fs/promises';
import type { LogEntry } from '@nimbus/cluster';

type Stream = LogEntry['stream'];

/** Byte offsets up to which each file has been delivered: what to save, and to resume from. */
export interface TailPosition {
  stdout: number;
  stderr: number;
}

export interface LogTailerOptions {
  instanceId: string;
  stdoutPath: string;
  stderrPath: string;
  /** Where an earlier tailer of these files got to (from its batches); the files' start by default. */
  from?: Partial<TailPosition>;
  /**
   * Receives new lines, in order within each stream, and the position to save once they are safely
   * shipped. Until it resolves nothing more is read; if it rejects, the position stays where it was
   * and the same lines come again on the next poll, so nothing is lost (at least once).
   */
  onBatch: (entries: LogEntry[], position: TailPosition) => void | Promise<void>;
  /** Told when onBatch rejects or a file cannot be read; the tailer carries on. */
  onError?: (error: Error) => void;
  pollIntervalMs?: number;
  /** Longer lines are split into pieces of at most this many bytes (at character boundaries). */
  maxLineBytes?: number;
  maxBatchEntries?: number;
}

const READ_BYTES = 256 * 1024;

/**
 * Follows an instance's stdout and stderr files, which the runtimes only ever append to, from a
 * saved position: an agent that restarts neither loses nor repeats lines. Polls rather than
 * watches: inotify misses writes on some filesystems and gives nothing when a file does not exist
 * yet, and a poll every few hundred milliseconds costs a stat per file.
 */
export class LogTailer {
  private offsets: TailPosition;
  private readonly maxLineBytes: number;
  private readonly maxBatchEntries: number;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(private readonly options: LogTailerOptions) {
    this.offsets = { stdout: options.from?.stdout ?? 0, stderr: options.from?.stderr ?? 0 };
    this.maxLineBytes = options.maxLineBytes ?? 16 * 1024;
    this.maxBatchEntries = options.maxBatchEntries ?? 500;
  }

  /** Delivered so far. */
  get position(): TailPosition {
    return { ...this.offsets };
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /**
   * Delivers what the files hold now and stops. With `flush` (the instance has ended) a last line
   * without its newline is delivered too; otherwise it waits for the next tailer.
   */
  async stop(options: { flush?: boolean } = {}): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    while (await this.pass(options.flush ?? false));
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      // A full batch means more may be waiting: read on without sleeping.
      if (await this.pass(false)) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs ?? 250);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One read and delivery; true when the batch was full. */
  private async pass(flush: boolean): Promise<boolean> {
    const entries: LogEntry[] = [];
    const next = { ...this.offsets };
    for (const stream of ['stdout', 'stderr'] as const) {
      try {
        next[stream] = await this.read(stream, entries, flush);
      } catch (error) {
        this.options.onError?.(error as Error);
      }
    }
    if (entries.length === 0) {
      this.offsets = next;
      return false;
    }
    try {
      await this.options.onBatch(entries, next);
      this.offsets = next;
      return entries.length >= this.maxBatchEntries;
    } catch (error) {
      this.options.onError?.(error as Error);
      return false;
    }
  }

  /** Appends the stream's new lines to `entries` (up to the batch size); returns the offset after them. */
  private async read(stream: Stream, entries: LogEntry[], flush: boolean): Promise<number> {
    const path = stream === 'stdout' ? this.options.stdoutPath : this.options.stderrPath;
    let offset = this.offsets[stream];
    const size = await stat(path).then(
      (stats) => stats.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      },
    );
    if (size === null) return offset;
    // Shorter than where we were: the file was replaced or truncated, and starts over.
    if (size < offset) offset = 0;
    const room = this.maxBatchEntries - entries.length;
    if (size === offset || room <= 0) return offset;

    const file = await open(path, 'r');
    let chunk: Buffer;
    try {
      const buffer = Buffer.alloc(Math.min(READ_BYTES, size - offset));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      chunk = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
    const atEnd = offset + chunk.length >= size;
    const { lines, consumed } = splitLines(chunk, this.maxLineBytes, room, flush && atEnd);
    const at = Date.now();
    for (const line of lines) entries.push({ instanceId: this.options.instanceId, stream, line, at });
    return offset + consumed;
  }
}

/**
 * Complete lines of `chunk` (without their newline, nor a carriage return before it), lines over
 * `maxBytes` cut into pieces; at most `limit` of them. A trailing piece without a newline is left
 * for later unless `final`. Returns the bytes consumed.
 */
export function splitLines(
  chunk: Buffer,
  maxBytes: number,
  limit: number,
  final: boolean,
): { lines: string[]; consumed: number } {
  const lines: string[] = [];
  let start = 0;
  while (start < chunk.length && lines.length < limit) {
    const newline = chunk.indexOf(0x0a, start);
    const end = newline === -1 ? chunk.length : newline;
    if (end - start > maxBytes) {
      const cut = characterBoundary(chunk, start + maxBytes);
      lines.push(chunk.toString('utf8', start, cut));
      start = cut;
    } else if (newline !== -1 || final) {
      const text = chunk.toString('utf8', start, end);
      lines.push(text.endsWith('\r') ? text.slice(0, -1) : text);
      start = newline === -1 ? end : newline + 1;
    } else {
      break;
    }
  }
  return { lines, consumed: start };
}

/** Moves a cut back over UTF-8 continuation bytes, so no character is split. */
function characterBoundary(chunk: Buffer, cut: number): number {
  let boundary = cut;
  while (boundary > cut - 3 && ((chunk[boundary] as number) & 0xc0) === 0x80) boundary -= 1;
  return boundary;
}
