import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import {
  AppRepository,
  BuildRepository,
  scopeOfRow,
  type Build,
  type DbClient,
  type SystemScope,
} from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import type { BuildOutputStream } from '@nimbus/queue';
import { environmentOf, secretValuesOf, type ReleaseCutter, type SnapshotEntry } from '@nimbus/releases';
import { BuildFailedError, buildCommit, type BuiltImage } from '../pipeline/build-commit';
import type { StepRunner } from '../pipeline/step-runner';
import type { BuilderConfig } from '../builder.config';
import { BuildLog } from './build-log';
import { imageStoreFor } from './image-stores';
import { runReleasePhase } from './release-phase';
import type { BuilderMetrics } from './metrics';

/** The claim was lost to another builder (ours looked dead): whatever we did must not count. */
class ClaimLostError extends Error {}

/**
 * Runs one build from claim to record: build the image, run the release phase, then cut the
 * release and record the build in one transaction, so a builder dying at any point leaves either
 * no release or a finished build, and a retry can never make a second release.
 */
export interface BuildRunnerDeps {
  config: BuilderConfig;
  /** How build steps and release commands run: in a container where the host has one. */
  runStep: StepRunner;
  /** This builder's own scratch directory. */
  scratchDir: string;
  prisma: DbClient;
  /** The builder acts on any tenant's builds: its one control-plane scope. */
  system: SystemScope;
  output: BuildOutputStream;
  /** Tells the orchestrator an app has a new release to roll out (it would find out on its resync). */
  released(appId: string): void;
  cutter: ReleaseCutter;
  metrics: BuilderMetrics;
  logger: Logger;
}

export class BuildRunner {
  private readonly builds: BuildRepository;

  constructor(private readonly deps: BuildRunnerDeps) {
    this.builds = new BuildRepository(deps.prisma);
  }

  async run(buildId: string): Promise<void> {
    const staleBefore = new Date(Date.now() - this.deps.config.NIMBUS_BUILD_STALE_AFTER);
    const build = await this.builds.claim(this.deps.system, buildId, staleBefore);
    if (!build) return; // running elsewhere, or already over
    const log = new BuildLog(this.deps.output, build.id, this.deps.logger);
    if (build.attempts > this.deps.config.NIMBUS_BUILD_MAX_ATTEMPTS) {
      const reason = `the build was interrupted ${build.attempts - 1} times (builders stopped while running it); push again to retry`;
      log.write(` !     ${reason}`);
      await this.builds.abandon(this.deps.system, build.id, reason);
      await this.cleanUp(build, log, 'failed');
      return;
    }
    if (build.attempts > 1)
      log.write(`-----> The builder running this build stopped; building again (attempt ${build.attempts})`);
    const heartbeat = setInterval(() => {
      this.builds.heartbeat(this.deps.system, build.id, build.attempts).then(
        (held) => {
          if (held) return;
          // Another builder took it over; its result is the one that counts.
          clearInterval(heartbeat);
          this.deps.logger.warn({ buildId: build.id }, 'build claim lost to another builder');
        },
        (error: unknown) =>
          this.deps.logger.warn({ err: error, buildId: build.id }, 'build heartbeat failed'),
      );
    }, this.deps.config.NIMBUS_BUILD_STALE_AFTER / 3);
    const started = Date.now();
    try {
      const releaseVersion = await this.buildAndRelease(build, log);
      this.deps.released(build.appId);
      this.deps.metrics.finished('succeeded', Date.now() - started);
      this.deps.logger.info(
        { buildId: build.id, appId: build.appId, release: releaseVersion },
        'build succeeded',
      );
      await this.cleanUp(build, log, 'succeeded');
    } catch (error) {
      if (error instanceof ClaimLostError) return; // the new holder reports; our output is moot
      const reason =
        error instanceof BuildFailedError
          ? error.message
          : 'the builder failed unexpectedly; the platform logs say why';
      if (!(error instanceof BuildFailedError))
        this.deps.logger.error({ err: error, buildId: build.id }, 'build failed unexpectedly');
      log.write(` !     Push rejected: ${reason}`);
      const recorded = await this.builds.finish(this.deps.system, build.id, build.attempts, {
        status: 'failed',
        failureReason: reason,
        output: log.text,
      });
      if (!recorded) return;
      this.deps.metrics.finished('failed', Date.now() - started);
      await this.cleanUp(build, log, 'failed');
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async buildAndRelease(build: Build, log: BuildLog): Promise<number> {
    const scope = scopeOfRow(this.deps.system, build);
    const app = await new AppRepository(this.deps.prisma).findById(scope, build.appId);
    if (!app) throw new BuildFailedError('the app was deleted');
    const snapshot = await this.deps.cutter.currentSnapshot(this.deps.prisma, scope, app);
    log.mask(secretValuesOf(snapshot));
    log.write(`-----> Building ${build.commit.slice(0, 7)} (${build.ref.replace(/^refs\/heads\//, '')})`);
    const limits = {
      timeoutMs: this.deps.config.NIMBUS_BUILD_TIMEOUT,
      memoryBytes: this.deps.config.NIMBUS_BUILD_MEMORY_MB * 1024 * 1024,
      maxProcesses: this.deps.config.NIMBUS_BUILD_MAX_PROCESSES,
    };
    const image = await buildCommit({
      source: build.sourcePath,
      commit: build.commit,
      // As on Heroku, build steps see the app's config (a private registry's token, say).
      env: environmentOf(snapshot),
      scratchDir: this.deps.scratchDir,
      cacheDir: join(this.deps.config.NIMBUS_BUILD_CACHE, 'apps', build.tenantId, build.appId),
      // Shared by the tenant's apps only: builds can write to it, and tenants do not trust each other.
      packageCacheDir: join(this.deps.config.NIMBUS_BUILD_CACHE, 'packages', build.tenantId),
      runStep: this.deps.runStep,
      store: imageStoreFor(this.deps.config, build.tenantId, build.appId),
      limits,
      log: log.write,
      afterImage: (built, appDir) =>
        built.release
          ? runReleasePhase({
              command: built.release,
              appDir,
              env: this.releaseEnvironment(built, snapshot, app.name, `v${app.releaseCount + 1}`),
              limits: { ...limits, timeoutMs: this.deps.config.NIMBUS_RELEASE_TIMEOUT },
              runStep: this.deps.runStep,
              log: log.write,
            })
          : Promise.resolve(),
    });
    const release = await this.deps.prisma.$transaction(async (tx) => {
      const created = await this.deps.cutter.cut(
        tx,
        scope,
        app.id,
        {
          digest: image.digest,
          processTypes: image.processTypes,
          formation: image.formation,
          postdeploy: image.postdeploy,
        },
        `Deploy ${build.commit.slice(0, 7)}`,
        build.actorUserId,
      );
      log.write(`-----> Released v${created.version}`);
      const recorded = await new BuildRepository(tx).finish(this.deps.system, build.id, build.attempts, {
        status: 'succeeded',
        stack: image.stack,
        imageDigest: image.digest,
        imageSizeBytes: image.sizeBytes,
        releaseVersion: created.version,
        output: log.text,
      });
      if (!recorded) throw new ClaimLostError();
      return created;
    });
    return release.version;
  }

  private releaseEnvironment(
    image: BuiltImage,
    snapshot: SnapshotEntry[],
    appName: string,
    version: string,
  ): Record<string, string> {
    return {
      ...image.env,
      ...environmentOf(snapshot),
      NIMBUS_APP: appName,
      NIMBUS_RELEASE: version,
      NIMBUS_PROCESS_TYPE: 'release',
    };
  }

  /** The build is over: its readers are told and its source is no longer needed. */
  private async cleanUp(build: Build, log: BuildLog, status: 'succeeded' | 'failed'): Promise<void> {
    await log.end(status);
    await rm(build.sourcePath, { force: true });
  }
}
