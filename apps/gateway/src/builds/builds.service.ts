import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  AuditRepository,
  BuildLimitError,
  BuildRepository,
  FormationRepository,
  InstanceRepository,
  ReleaseRepository,
  RolloutRepository,
  type App,
  type Build,
  type TenantScope,
} from '@nimbus/db';
import { freshLeaseSince } from '@nimbus/cluster';
import { appUrl } from '@nimbus/domain';
import type { Logger } from '@nimbus/logging';
import { notFound, ProblemException } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { LOGGER } from '../infra/logger.token';
import { PrismaService } from '../infra/prisma.service';
import { UsersService } from '../users/users.service';
import type { TenantAccess } from '../auth/principal';
import { BuildQueueService } from './build-queue.service';
import { scopeOfGrant, type PushGrant } from '../git/push-grants.service';

/** What a follower of a build sees: its output lines, then the build as it ended. */
export type BuildProgress = { kind: 'line'; id: string; text: string } | { kind: 'end'; build: Build };

/** One process type of a launching release: how many of its instances it wants and has up. */
export interface ProcessLaunch {
  type: string;
  replicas: number;
  /** Ready (for `web`: answering its check, so routed; for others: running). */
  ready: number;
}

/** How a release's launch went, as far as a push waits for it. */
export type LaunchOutcome =
  /** Every process type scaled up runs its instances of the release. */
  | { state: 'serving'; processes: ProcessLaunch[] }
  /** Its rollout failed (and was rolled back, if there was a release to go back to). */
  | { state: 'failed'; reason: string }
  /** Not serving by the end of the launch window; `cause` is what its instances last said. */
  | { state: 'timeout'; processes: ProcessLaunch[]; cause: string | null }
  | { state: 'no-nodes' }
  /** Nothing to start: every process type it has is scaled to zero. */
  | { state: 'idle'; types: string[] };

/** How often a push looks whether its release serves yet. */
const LAUNCH_POLL_MS = 250;

/** How often a follower checks Postgres when the live stream is silent or unavailable. */
const SILENCE_CHECK_MS = 2000;

@Injectable()
export class BuildsService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly prisma: PrismaService,
    private readonly queue: BuildQueueService,
    private readonly users: UsersService,
  ) {}

  /**
   * Records a build of a pushed commit whose source tree is at `sourcePath`, and wakes a builder.
   * Refused (409) when the app or the tenant already runs as many builds as allowed.
   */
  async createFromPush(grant: PushGrant, commit: string, ref: string, sourcePath: string): Promise<Build> {
    const scope = scopeOfGrant(grant);
    let build: Build;
    try {
      build = await BuildRepository.create(
        this.prisma.client,
        scope,
        grant.appId,
        { commit, ref, sourcePath, actorUserId: grant.actorUserId },
        { perApp: this.config.NIMBUS_BUILDS_PER_APP, perTenant: this.config.NIMBUS_BUILDS_PER_TENANT },
      );
    } catch (error) {
      if (error instanceof BuildLimitError)
        throw new ProblemException(HttpStatus.CONFLICT, `build/too_many_${error.limit}`, error.message);
      throw error;
    }
    await new AuditRepository(this.prisma.client).record(scope, {
      actorUserId: grant.actorUserId,
      actorToken: grant.actorToken,
      action: 'build.create',
      targetType: 'app',
      targetName: `${grant.namespace}/${grant.app}`,
      details: { build: build.id, commit, ref },
      requestId: null,
    });
    // Postgres has the build now: were this wake-up lost, the builders' resync would find it.
    await this.queue
      .enqueue(build.id)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, buildId: build.id }, 'could not wake a builder'),
      );
    return build;
  }

  /**
   * Waits (bounded) until release `version` serves: each of its process types that is scaled up
   * runs that many ready instances of it (`web` or not: an app without `web` does not wait for
   * one). Its rollout failing ends the wait at once. What it saw is said to the pusher; nothing
   * is decided here.
   */
  async awaitLaunch(grant: PushGrant, version: number, signal: AbortSignal): Promise<LaunchOutcome> {
    const { appId } = grant;
    const scope = scopeOfGrant(grant);
    const deadline = Date.now() + this.config.NIMBUS_PUSH_LAUNCH_WAIT;
    const db = this.prisma.client;
    if (
      !(await db.node.count({
        where: {
          ready: true,
          cordoned: false,
          leaseRenewedAt: { gte: freshLeaseSince(new Date(), this.config.NIMBUS_NODE_LEASE_DURATION) },
        },
      }))
    )
      return { state: 'no-nodes' };
    const release = await new ReleaseRepository(db).find(scope, appId, version);
    // `release` runs once before the release goes live; it is never scaled.
    const types = Object.keys((release?.processTypes ?? {}) as Record<string, string>).filter(
      (type) => type !== 'release',
    );
    let processes: ProcessLaunch[] = [];
    let cause: string | null = null;
    while (!signal.aborted) {
      const [formations, instances, rollout] = await Promise.all([
        new FormationRepository(db).listTypes(scope, appId, types),
        new InstanceRepository(db).listLiveServices(scope, appId, version),
        new RolloutRepository(db).latestOf(scope, appId, version),
      ]);
      if (rollout?.status === 'failed')
        return { state: 'failed', reason: rollout.reason ?? 'the rollout failed' };
      // The orchestrator makes the release's formations when it first sees it current.
      const known = formations.length === types.length;
      const scaled = formations.filter((formation) => formation.replicas > 0);
      if (known && !scaled.length) return { state: 'idle', types };
      processes = scaled
        .map((formation) => ({
          type: formation.processType,
          replicas: formation.replicas,
          ready: instances.filter((i) => i.processType === formation.processType && i.ready).length,
        }))
        .sort(byWebFirst);
      cause = launchTrouble(instances);
      if (known && processes.every((process) => process.ready >= process.replicas))
        return { state: 'serving', processes };
      if (Date.now() >= deadline) return { state: 'timeout', processes, cause };
      await new Promise((resolve) => setTimeout(resolve, LAUNCH_POLL_MS));
    }
    return { state: 'timeout', processes, cause };
  }

  appUrl(grant: PushGrant): string {
    return appUrl(grant, this.config.NIMBUS_DOMAIN, this.config.NIMBUS_ROUTER_PORT);
  }

  async list(access: TenantAccess, app: App, limit: number) {
    return this.present(await new BuildRepository(this.prisma.client).list(access.scope, app.id, limit));
  }

  async find(access: TenantAccess, app: App, id: string): Promise<Build> {
    const build = /^[0-9a-f-]{36}$/.test(id)
      ? await new BuildRepository(this.prisma.client).find(access.scope, app.id, id)
      : null;
    if (!build) throw notFound('build', id);
    return build;
  }

  async get(access: TenantAccess, app: App, id: string) {
    return (await this.present([await this.find(access, app, id)]))[0]!;
  }

  /** The output so far: all of it once the build is over, the live part while it runs. */
  async output(build: Build): Promise<string> {
    if (isOver(build)) return build.output;
    const lines = await this.queue.output.lines(build.id).catch(() => []);
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  /**
   * Follows a build from line `skip` + 1 to its end; event ids are line numbers, so a reader can
   * resume where it stopped whether the build is still running or over. Live lines come from
   * Redis; should Redis fail, the follower waits on Postgres and gets the rest of the output from
   * the build's record when it ends.
   */
  async *follow(
    scope: TenantScope,
    build: Build,
    signal: AbortSignal,
    skip = 0,
  ): AsyncGenerator<BuildProgress> {
    const builds = new BuildRepository(this.prisma.client);
    const reload = async () => (await builds.find(scope, build.appId, build.id)) ?? build;
    if (isOver(build)) {
      yield* linesOf(build.output, skip);
      yield { kind: 'end', build };
      return;
    }
    let seen = 0;
    try {
      for await (const event of this.queue.output.follow(build.id, {
        signal,
        blockMs: SILENCE_CHECK_MS,
        stillRunning: async () => !isOver(await reload()),
      })) {
        if (event.kind === 'end') break;
        seen += 1;
        if (seen > skip) yield { kind: 'line', id: lineId(seen), text: event.text };
      }
    } catch (error) {
      this.logger.warn({ err: error, buildId: build.id }, 'build output stream failed; following the record');
    }
    let ended = await reload();
    while (!isOver(ended) && !signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, SILENCE_CHECK_MS));
      ended = await reload();
    }
    if (signal.aborted) return;
    yield* linesOf(ended.output, Math.max(seen, skip));
    yield { kind: 'end', build: ended };
  }

  async present(builds: Build[]) {
    const emails = await this.users.emailsOf(builds.map((build) => build.actorUserId));
    return builds.map((build) => ({
      id: build.id,
      status: build.status,
      commit: build.commit,
      ref: build.ref,
      stack: build.stack,
      imageDigest: build.imageDigest,
      imageSizeBytes: build.imageSizeBytes,
      releaseVersion: build.releaseVersion,
      failureReason: build.failureReason,
      attempts: build.attempts,
      actor: build.actorUserId ? (emails.get(build.actorUserId) ?? null) : null,
      createdAt: build.createdAt.toISOString(),
      startedAt: build.startedAt?.toISOString() ?? null,
      finishedAt: build.finishedAt?.toISOString() ?? null,
      durationSeconds:
        build.startedAt && build.finishedAt
          ? Math.round((build.finishedAt.getTime() - build.startedAt.getTime()) / 100) / 10
          : null,
    }));
  }
}

/** `web` first, then the others by name: the order a pusher reads them in. */
const byWebFirst = (a: ProcessLaunch, b: ProcessLaunch) =>
  Number(b.type === 'web') - Number(a.type === 'web') || a.type.localeCompare(b.type);

/** What keeps a release's instances from being ready, in their own words: the first that says. */
function launchTrouble(
  instances: {
    processType: string;
    ready: boolean;
    lastFailure: string | null;
    message: string | null;
    reason: string | null;
  }[],
): string | null {
  const stuck = instances.filter((instance) => !instance.ready);
  const failing = stuck.find((instance) => instance.lastFailure);
  if (failing) return `${failing.processType}: ${failing.lastFailure}`;
  const unplaced = stuck.find((instance) => instance.reason === 'Unschedulable' && instance.message);
  return unplaced ? `${unplaced.processType}: ${unplaced.message}` : null;
}

const isOver = (build: Build) => build.status === 'succeeded' || build.status === 'failed';

const lineId = (number: number) => `line-${number}`;

/** Where a reader asks to resume (`Last-Event-ID: line-N`): the lines it has already seen. */
export const linesSeen = (lastEventId: string | undefined) =>
  Number(/^line-(\d+)$/.exec(lastEventId ?? '')?.[1] ?? 0);

/** The stored output's lines after the first `skip`, as progress events. */
function* linesOf(output: string, skip: number): Generator<BuildProgress> {
  const lines = output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let index = skip; index < lines.length; index += 1)
    yield { kind: 'line', id: lineId(index + 1), text: lines[index] as string };
}
