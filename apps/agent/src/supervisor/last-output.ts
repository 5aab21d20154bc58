import { open } from 'node:fs/promises';

/** Only the end of an output file is read: the last line is all that is wanted. */
const TAIL_BYTES = 8192;
/** Enough for an error message; a runaway line is cut. */
const MAX_LINE = 300;

/**
 * The last line an ended instance printed: on stderr if it wrote any (where failures go), else
 * on stdout; null if it printed nothing. The two files are not interleaved, so "last" is per
 * stream: a crash's message is normally the last thing on stderr.
 */
export async function lastOutputLine(paths: {
  stdoutPath: string;
  stderrPath: string;
}): Promise<string | null> {
  return (await lastLineOf(paths.stderrPath)) ?? (await lastLineOf(paths.stdoutPath));
}

async function lastLineOf(path: string): Promise<string | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const { size } = await file.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    const line = buffer
      .toString('utf8')
      .split(/\r?\n/)
      .map((text) => text.trim())
      .filter(Boolean)
      .at(-1);
    if (!line) return null;
    return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
  } finally {
    await file.close();
  }
}
