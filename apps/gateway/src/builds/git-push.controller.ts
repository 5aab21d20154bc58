import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Headers, HttpStatus, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Logger } from '@nimbus/logging';
import { Public } from '../auth/auth.decorators';
import { ProblemException } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { LOGGER } from '../infra/logger.token';
import { BuildsService, type LaunchOutcome, type ProcessLaunch } from './builds.service';
import { PushGrantsService, scopeOfGrant, type PushGrant } from '../git/push-grants.service';

/** What the pre-receive hook reads back, one JSON object per line. */
export type PushMessage =
  | { line: string }
  | { result: 'succeeded'; release: number; url: string }
  | { result: 'failed'; reason: string };

class SourceTooLarge extends Error {}

/**
 * Where a push's pre-receive hook hands over the deploy branch's tree (a `git archive` tar) and
 * watches its build: the push waits on this response, so the pusher sees the build live and git
 * rejects the push when it fails. Authorised by the one-use grant the push was given.
 */
@ApiExcludeController()
@Public()
@Controller('internal/git')
export class GitPushController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly grants: PushGrantsService,
    private readonly builds: BuildsService,
  ) {}

  @Post('builds')
  async build(
    @Headers('nimbus-push-grant') token: string | undefined,
    @Query('commit') commit: string | undefined,
    @Query('ref') ref: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const grant = token ? await this.grants.redeem(token) : null;
    if (!grant) throw new ProblemException(HttpStatus.FORBIDDEN, 'push/no_grant', 'not a push in progress');
    if (!commit || !/^[0-9a-f]{40}$/.test(commit) || !ref?.startsWith('refs/heads/'))
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'push/bad_request',
        'a commit id and a branch are required',
      );

    const sourcePath = await this.receiveSource(request);
    let build;
    try {
      build = await this.builds.createFromPush(grant, commit, ref, sourcePath);
    } catch (error) {
      await rm(sourcePath, { force: true });
      throw error;
    }
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' });
    const send = (message: PushMessage) => response.write(`${JSON.stringify(message)}\n`);
    const aborted = new AbortController();
    response.on('close', () => aborted.abort());
    try {
      for await (const event of this.builds.follow(scopeOfGrant(grant), build, aborted.signal)) {
        if (event.kind === 'line') send({ line: event.text });
        else if (event.build.status === 'succeeded' && event.build.releaseVersion !== null) {
          const launch = await this.reportLaunch(grant, event.build.releaseVersion, aborted.signal, send);
          // Like a failed build, a release that does not serve rejects the push: the branch keeps
          // pointing at code that runs.
          if (launch.state === 'failed') send({ result: 'failed', reason: launch.reason });
          else if (launch.state === 'timeout')
            send({ result: 'failed', reason: `v${event.build.releaseVersion} did not serve in time` });
          else
            send({
              result: 'succeeded',
              release: event.build.releaseVersion,
              url: this.builds.appUrl(grant),
            });
        } else send({ result: 'failed', reason: event.build.failureReason ?? 'the build failed' });
      }
    } catch (error) {
      // The build goes on; only this push stopped watching it.
      this.logger.error({ err: error, buildId: build.id }, 'lost track of a build while streaming it');
      send({ line: ` !     Lost track of build ${build.id}; \`nimbus builds\` shows how it ends` });
      send({ result: 'failed', reason: 'lost track of the build' });
    }
    if (aborted.signal.aborted)
      this.logger.info({ buildId: build.id }, 'pusher went away; the build goes on without them');
    response.end();
  }

  /** Tells the pusher whether the new release serves yet (the push waits a bounded while). */
  private async reportLaunch(
    grant: PushGrant,
    version: number,
    signal: AbortSignal,
    send: (message: PushMessage) => void,
  ) {
    send({ line: `-----> Launching v${version}...` });
    const outcome = await this.builds.awaitLaunch(grant, version, signal);
    for (const line of describeLaunch(outcome, version, this.config.NIMBUS_PUSH_LAUNCH_WAIT)) send({ line });
    return outcome;
  }

  /** Streams the tar to the build-source store, refusing more than the configured size. */
  private async receiveSource(request: Request): Promise<string> {
    const limit = this.config.NIMBUS_BUILD_MAX_SOURCE_BYTES;
    await mkdir(this.config.NIMBUS_BUILD_SOURCES, { recursive: true, mode: 0o700 });
    const path = join(this.config.NIMBUS_BUILD_SOURCES, `${randomUUID()}.tar`);
    let received = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(received > limit ? new SourceTooLarge() : null, chunk);
      },
    });
    try {
      await pipeline(request, limiter, createWriteStream(`${path}.partial`, { mode: 0o600 }));
      await rename(`${path}.partial`, path);
      return path;
    } catch (error) {
      await rm(`${path}.partial`, { force: true });
      if (error instanceof SourceTooLarge)
        throw new ProblemException(
          HttpStatus.PAYLOAD_TOO_LARGE,
          'push/source_too_large',
          `the source tree is larger than ${limit} bytes`,
        );
      throw error;
    }
  }
}

/** What the pusher reads about the launch, one line each. */
export function describeLaunch(outcome: LaunchOutcome, version: number, waitedMs: number): string[] {
  switch (outcome.state) {
    case 'serving':
      // The `web` line is the one scripts (and the bench) look for: its wording stays.
      return outcome.processes.map((process) =>
        process.type === 'web'
          ? `       done: ${process.ready} web instance(s) of v${version} ready`
          : `       ${describeProcess(process)}`,
      );
    case 'timeout':
      return [
        ` !     v${version} is not serving after ${Math.round(waitedMs / 1000)}s: ${outcome.processes.map(describeProcess).join(', ')}`,
        ...(outcome.cause ? [` !     ${outcome.cause}`] : []),
        ' !     It goes on starting (`nimbus ps` shows how); a rollout that misses its deadline is rolled back',
      ];
    case 'failed':
      return [` !     ${outcome.reason}`];
    case 'no-nodes':
      return ['       no node is ready to run it yet: it starts when one is'];
    case 'idle':
      return [
        `       nothing to start: ${outcome.types.map((type) => `${type}=0`).join(', ') || 'no process types'} (scale with \`nimbus ps:scale TYPE=1\`)`,
      ];
  }
}

/** "web: 2 instances ready", "worker: 1 instance running", "web: 0 of 1 instance ready". */
function describeProcess({ type, replicas, ready }: ProcessLaunch): string {
  const count = ready >= replicas ? `${replicas}` : `${ready} of ${replicas}`;
  return `${type}: ${count} instance${replicas === 1 ? '' : 's'} ${type === 'web' ? 'ready' : 'running'}`;
}
