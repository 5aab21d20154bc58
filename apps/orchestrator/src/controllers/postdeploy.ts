import { FINISHED_PHASES } from '@nimbus/cluster';
import type { Db } from '@nimbus/db';

/** The one-off's size: what `run` gives one-offs. */
const ONEOFF_SIZE = { cpuMillis: 250, memoryMb: 256 };
const settled = new Set<string>(FINISHED_PHASES);

type Note = { type: 'Normal' | 'Warning'; reason: string; message: string };

/**
 * app.json's `scripts.postdeploy`, Heroku's way: once, after the app's first release is deployed
 * (its first rollout completes), as a one-off of that release with its environment. The app's
 * single Postdeploy row, written in the same fenced transaction as the one-off, is what makes it
 * run once across retries, restarts and leader changes; later reconciles only report its end.
 * Output goes to the app's logs under the `postdeploy` type; the end is an event.
 *
 * Why a one-off and not the builder's release-phase runner: the release phase runs before the
 * release goes live, inside the build; postdeploy belongs after the deploy, against the running
 * app's release (seeding a database the app now serves from, say), and the orchestrator is what
 * knows when a deploy completed.
 */
export async function reconcilePostdeploy(
  tx: Db,
  app: { id: string; tenantId: string; namespaceId: string },
): Promise<Note | null> {
  const record = await tx.postdeploy.findUnique({ where: { appId: app.id } });
  if (record) return observe(tx, record);
  const first = await tx.rollout.findFirst({
    where: { appId: app.id, status: 'complete' },
    orderBy: { createdAt: 'asc' },
  });
  if (!first) return null;
  const release = await tx.release.findFirst({ where: { appId: app.id, version: first.releaseVersion } });
  // Only the first deploy's app.json counts: a postdeploy added later is not run (as on Heroku).
  if (!release?.postdeploy) return null;
  const instance = await tx.instance.create({
    data: {
      tenantId: app.tenantId,
      appId: app.id,
      namespaceId: app.namespaceId,
      processType: 'postdeploy',
      kind: 'oneoff',
      command: release.postdeploy,
      releaseVersion: release.version,
      ...ONEOFF_SIZE,
    },
  });
  await tx.postdeploy.create({
    data: {
      tenantId: app.tenantId,
      appId: app.id,
      releaseVersion: release.version,
      command: release.postdeploy,
      instanceId: instance.id,
    },
  });
  return {
    type: 'Normal',
    reason: 'PostdeployStarted',
    message: `running app.json postdeploy for v${release.version}: ${release.postdeploy}`,
  };
}

/** Records how a running postdeploy ended, once its one-off settles. */
async function observe(
  tx: Db,
  record: { id: string; instanceId: string | null; status: string; command: string; releaseVersion: number },
): Promise<Note | null> {
  if (record.status !== 'running') return null;
  const instance = record.instanceId
    ? await tx.instance.findUnique({ where: { id: record.instanceId } })
    : null;
  if (instance && !settled.has(instance.phase)) return null;
  const succeeded = instance?.phase === 'exited' && instance.exitCode === 0;
  await tx.postdeploy.update({
    where: { id: record.id },
    data: {
      status: succeeded ? 'succeeded' : 'failed',
      exitCode: instance?.exitCode ?? null,
      finishedAt: instance?.finishedAt ?? new Date(),
    },
  });
  if (succeeded)
    return {
      type: 'Normal',
      reason: 'PostdeploySucceeded',
      message: `app.json postdeploy succeeded (v${record.releaseVersion})`,
    };
  const why = !instance
    ? 'its instance is gone, so how it ended is unknown'
    : instance.exitCode !== null
      ? `exit ${instance.exitCode}${instance.reason && instance.reason !== 'Error' ? `, ${instance.reason}` : ''}`
      : (instance.message ?? instance.reason ?? instance.phase);
  return {
    type: 'Warning',
    reason: 'PostdeployFailed',
    message: `app.json postdeploy failed (${why}): ${record.command}; its output: logs --type postdeploy. It is not run again`,
  };
}
