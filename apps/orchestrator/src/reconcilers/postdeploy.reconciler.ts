import { FINISHED_PHASES } from '@nimbus/cluster';
import {
  EventRepository,
  InstanceRepository,
  PostdeployRepository,
  ReleaseRepository,
  RolloutRepository,
  type AppEvent,
  type Db,
  type Instance,
  type PostdeployEnd,
  type TenantScope,
} from '@nimbus/db';

/** The one-off's size: what `run` gives one-offs. */
const ONEOFF_SIZE = { cpuMillis: 250, memoryMb: 256 };
const settled = new Set<string>(FINISHED_PHASES);

interface PostdeployRecord {
  id: string;
  instanceId: string | null;
  status: string;
  command: string;
  releaseVersion: number;
}

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
export class PostdeployReconciler {
  async reconcile(tx: Db, scope: TenantScope, app: { id: string; namespaceId: string }): Promise<void> {
    const record = await new PostdeployRepository(tx).findOfApp(scope, app.id);
    const note = record ? await this.observe(tx, scope, record) : await this.start(tx, scope, app);
    if (note) await new EventRepository(tx).recordForApp(scope, app.id, note);
  }

  private async start(
    tx: Db,
    scope: TenantScope,
    app: { id: string; namespaceId: string },
  ): Promise<AppEvent | null> {
    const first = await new RolloutRepository(tx).firstComplete(scope, app.id);
    if (!first) return null;
    const release = await new ReleaseRepository(tx).find(scope, app.id, first.releaseVersion);
    // Only the first deploy's app.json counts: a postdeploy added later is not run (as on Heroku).
    if (!release?.postdeploy) return null;
    const instance = await new InstanceRepository(tx).createPostdeploy(scope, {
      appId: app.id,
      namespaceId: app.namespaceId,
      command: release.postdeploy,
      releaseVersion: release.version,
      ...ONEOFF_SIZE,
    });
    await new PostdeployRepository(tx).create(scope, {
      appId: app.id,
      releaseVersion: release.version,
      command: release.postdeploy,
      instanceId: instance.id,
    });
    return {
      type: 'Normal',
      reason: 'PostdeployStarted',
      message: `running app.json postdeploy for v${release.version}: ${release.postdeploy}`,
    };
  }

  /** Records how a running postdeploy ended, once its one-off settles. */
  private async observe(tx: Db, scope: TenantScope, record: PostdeployRecord): Promise<AppEvent | null> {
    if (record.status !== 'running') return null;
    const instance = record.instanceId
      ? await new InstanceRepository(tx).findById(scope, record.instanceId)
      : null;
    const ended = postdeployEnd(record, instance, new Date());
    if (!ended) return null;
    await new PostdeployRepository(tx).finish(scope, record.id, ended.end);
    return ended.note;
  }
}

/** How a running postdeploy ended, from its one-off (gone: unknown), or null while it runs. */
export function postdeployEnd(
  record: PostdeployRecord,
  instance: Instance | null,
  now: Date,
): { end: PostdeployEnd; note: AppEvent } | null {
  if (instance && !settled.has(instance.phase)) return null;
  const succeeded = instance?.phase === 'exited' && instance.exitCode === 0;
  const end: PostdeployEnd = {
    status: succeeded ? 'succeeded' : 'failed',
    exitCode: instance?.exitCode ?? null,
    finishedAt: instance?.finishedAt ?? now,
  };
  if (succeeded)
    return {
      end,
      note: {
        type: 'Normal',
        reason: 'PostdeploySucceeded',
        message: `app.json postdeploy succeeded (v${record.releaseVersion})`,
      },
    };
  const why = !instance
    ? 'its instance is gone, so how it ended is unknown'
    : instance.exitCode !== null
      ? `exit ${instance.exitCode}${instance.reason && instance.reason !== 'Error' ? `, ${instance.reason}` : ''}`
      : (instance.message ?? instance.reason ?? instance.phase);
  return {
    end,
    note: {
      type: 'Warning',
      reason: 'PostdeployFailed',
      message: `app.json postdeploy failed (${why}): ${record.command}; its output: logs --type postdeploy. It is not run again`,
    },
  };
}
