import type { ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { RunOptions } from './run-command';

/**
 * Hands a child's stdout and stderr to `onLine` a line at a time; settles once both are closed,
 * which is only when every process holding them (not just the child) is gone.
 */
export function streamLines(
  child: ChildProcessByStdio<null, Readable, Readable>,
  onLine: RunOptions['onLine'],
): Promise<void> {
  return Promise.all(
    (['stdout', 'stderr'] as const).map(
      (stream) =>
        new Promise<void>((done) => {
          const reader = createInterface({ input: child[stream], crlfDelay: Infinity });
          reader.on('line', (line) => onLine?.(line, stream));
          reader.once('close', done);
        }),
    ),
  ).then(() => undefined);
}
