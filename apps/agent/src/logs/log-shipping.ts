import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nimbus/logging';
import type { ControlPlane } from '../control/control-plane';
import type { RuntimeHandle } from '../runtimes/runtime';
import { LogTailer, type TailPosition } from './log-tailer';

/** Lines per request, well under the API's body limit. */
const BATCH_ENTRIES = 200;
/** Often enough that `logs --tail` shows a line well within a second. */
const POLL_MS = 150;

/**
 * Ships an instance's output to the control plane: each batch is sent, then its position saved
 * beside the instance, so an agent restart resumes where shipping stopped (at least once).
 */
export function shipLogs(
  controlPlane: ControlPlane,
  handle: RuntimeHandle,
  logger: Logger,
): () => Promise<void> {
  const positionFile = join(handle.dir, 'log-position.json');
  let tailer: LogTailer | null = null;
  const started = readFile(positionFile, 'utf8')
    .then((text) => JSON.parse(text) as TailPosition)
    .catch(() => undefined)
    .then((from) => {
      tailer = new LogTailer({
        instanceId: handle.instanceId,
        stdoutPath: handle.stdoutPath,
        stderrPath: handle.stderrPath,
        ...(from ? { from } : {}),
        pollIntervalMs: POLL_MS,
        maxBatchEntries: BATCH_ENTRIES,
        onBatch: async (entries, position) => {
          if (entries.length) await controlPlane.shipLogs(entries);
          await writeFile(positionFile, JSON.stringify(position)).catch(() => undefined);
        },
        onError: (error) =>
          logger.warn({ err: error, instanceId: handle.instanceId }, 'log shipping trouble'),
      });
      tailer.start();
    });
  return async () => {
    await started;
    await tailer?.stop({ flush: true });
  };
}
