import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppRepository, type TenantScope } from '@nimbus/db';
import { roleAtLeast, type Role } from '@nimbus/domain';
import type { Logger } from '@nimbus/logging';
import { AccessService } from '../auth/access.service';
import { AuthCacheService } from '../auth/auth-cache.service';
import { requireNamespace } from '../common/access-targets';
import { ProblemException } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { LOGGER } from '../infra/logger.token';
import { PrismaService } from '../infra/prisma.service';
import { TokensService } from '../tokens/tokens.service';
import { PushGrantsService } from './push-grants.service';
import { readCgiHead } from './cgi-response';
import { GitRepositoriesService } from './git-repositories.service';

export interface GitRoute {
  tenant: string;
  namespace: string;
  repository: string;
  /** What follows `APP.git/`: `info/refs`, `git-upload-pack` or `git-receive-pack`. */
  path: string;
}

type GitService = 'git-upload-pack' | 'git-receive-pack';

/** git runs these hooks of ours in every app repository: pre-receive builds the deploy branch. */
const HOOKS_DIR = resolve(__dirname, '../../git-hooks');

/** Room for the ref-update commands and framing around a pack of the maximum size. */
const PROTOCOL_SLACK_BYTES = 1024 * 1024;

/** Reading needs viewer, pushing developer, as for the API's apps. */
const REQUIRED_ROLE: Record<GitService, Role> = {
  'git-upload-pack': 'viewer',
  'git-receive-pack': 'developer',
};

/** A refusal git shows its user: plain text, since git prints the body on some errors. */
class GitRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * git's smart HTTP protocol for app repositories. Real git does the protocol work (`git
 * http-backend`); this decides who may talk to which repository: HTTP basic auth whose password
 * is an API token (the user name is ignored), scoped exactly like the API.
 */
@Injectable()
export class GitHttpService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly prisma: PrismaService,
    private readonly tokens: TokensService,
    private readonly access: AccessService,
    private readonly cache: AuthCacheService,
    private readonly repositories: GitRepositoriesService,
    private readonly grants: PushGrantsService,
  ) {}

  async serve(request: Request, response: Response, route: GitRoute): Promise<void> {
    try {
      const service = this.serviceOf(request, route.path);
      const appName = /^([a-z][a-z0-9-]*)\.git$/.exec(route.repository)?.[1];
      if (!appName) throw new GitRefusal(404, `repository ${route.repository} not found`);
      const pusher = await this.authorize(request, route, appName, service);
      // A pack slightly over the limit reaches git, which refuses it with a message the pusher
      // sees; one far over it is not worth reading at all.
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > this.config.NIMBUS_GIT_MAX_PUSH_BYTES + PROTOCOL_SLACK_BYTES) throw this.tooLarge();
      await this.repositories.ensure(pusher.tenantId, pusher.appId);
      const pushing = service === 'git-receive-pack' && route.path === 'git-receive-pack';
      const hookEnv = pushing ? await this.pushHookEnv(request, route, appName, pusher) : {};
      await this.runBackend(request, response, { ...pusher, path: route.path, hookEnv });
    } catch (error) {
      if (!(error instanceof GitRefusal)) {
        this.logger.error({ err: error, path: request.path }, 'git request failed');
      }
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const refusal =
        error instanceof GitRefusal ? error : new GitRefusal(500, 'the git server failed; try again');
      response.status(refusal.status).set(refusal.headers).type('text/plain').send(`${refusal.message}\n`);
    }
  }

  private serviceOf(request: Request, path: string): GitService {
    const requested = path === 'info/refs' ? request.query.service : path;
    const method = path === 'info/refs' ? 'GET' : 'POST';
    if ((requested === 'git-upload-pack' || requested === 'git-receive-pack') && request.method === method)
      return requested;
    throw new GitRefusal(404, 'only git smart HTTP is served here');
  }

  private async authorize(request: Request, route: GitRoute, appName: string, service: GitService) {
    const token = this.basicPassword(request.headers.authorization);
    const epoch = await this.cache.epoch();
    const principal = token ? await this.tokens.authenticate(token, epoch) : null;
    if (!principal) {
      throw new GitRefusal(401, 'authentication required: use an API token as the password', {
        'WWW-Authenticate': 'Basic realm="nimbus"',
      });
    }
    const notFound = () =>
      new GitRefusal(404, `repository ${route.tenant}/${route.namespace}/${route.repository} not found`);
    const access = await this.access
      .resolve(principal, route.tenant, route.namespace, epoch)
      .catch((error: unknown) => {
        throw error instanceof ProblemException || error instanceof HttpException ? notFound() : error;
      });
    const app = await new AppRepository(this.prisma.client).findByName(
      access.scope,
      requireNamespace(access).id,
      appName,
    );
    if (!app) throw notFound();
    const required = REQUIRED_ROLE[service];
    if (!roleAtLeast(access.role, required)) {
      throw new GitRefusal(
        403,
        `${service === 'git-receive-pack' ? 'pushing' : 'reading'} needs the ${required} role; you have ${access.role}`,
      );
    }
    return {
      scope: access.scope,
      tenantId: access.scope.tenantId,
      appId: app.id,
      user: principal.user.email,
      userId: principal.user.id,
      tokenPrefix: principal.token.prefix,
    };
  }

  /**
   * What the pre-receive hook needs to build this push: where to send the source and a one-use
   * grant for this app and pusher. The hook reaches this gateway on the address the push came in.
   */
  private async pushHookEnv(
    request: Request,
    route: GitRoute,
    appName: string,
    pusher: { scope: TenantScope; tenantId: string; appId: string; userId: string; tokenPrefix: string },
  ): Promise<Record<string, string>> {
    const grant = await this.grants.issue({
      tenantId: pusher.tenantId,
      appId: pusher.appId,
      tenant: route.tenant,
      namespace: route.namespace,
      app: appName,
      actorUserId: pusher.userId,
      actorToken: pusher.tokenPrefix,
    });
    const address = (request.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const host = address.includes(':') ? `[${address}]` : address;
    return {
      NIMBUS_PUSH_URL: `http://${host}:${request.socket.localPort}/internal/git/builds`,
      NIMBUS_PUSH_GRANT: grant,
      ...(await this.submoduleEnv(pusher.scope, pusher.appId)),
    };
  }

  /**
   * What the hook may fetch submodules from (see submodule-url.ts): the configured root for
   * file:// URLs, and this namespace's other apps, which a relative URL (`../lib.git`) names and
   * which anyone who may push here may read.
   */
  private async submoduleEnv(scope: TenantScope, appId: string): Promise<Record<string, string>> {
    const siblings = await new AppRepository(this.prisma.client).listSiblings(scope, appId);
    return {
      NIMBUS_SUBMODULE_SIBLINGS: JSON.stringify(
        Object.fromEntries(
          siblings.map((sibling) => [sibling.name, this.repositories.path(scope.tenantId, sibling.id)]),
        ),
      ),
      ...(this.config.NIMBUS_GIT_SUBMODULE_FILE_ROOT
        ? { NIMBUS_SUBMODULE_FILE_ROOT: this.config.NIMBUS_GIT_SUBMODULE_FILE_ROOT }
        : {}),
    };
  }

  private basicPassword(header: string | undefined): string | null {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }

  private tooLarge(): GitRefusal {
    return new GitRefusal(413, `push refused: larger than ${this.config.NIMBUS_GIT_MAX_PUSH_BYTES} bytes`);
  }

  private async runBackend(
    request: Request,
    response: Response,
    {
      tenantId,
      appId,
      user,
      path,
      hookEnv,
    }: { tenantId: string; appId: string; user: string; path: string; hookEnv: Record<string, string> },
  ): Promise<void> {
    const backend = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: this.repositories.tenantRoot(tenantId),
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: `/${appId}.git/${path}`,
        REQUEST_METHOD: request.method,
        QUERY_STRING: new URL(request.originalUrl, 'http://git').search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        ...(request.headers['content-length'] ? { CONTENT_LENGTH: request.headers['content-length'] } : {}),
        ...(request.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] }
          : {}),
        ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
        // http-backend serves receive-pack only to an authenticated user.
        REMOTE_USER: user,
        // receive-pack refuses an oversized pack itself, with a message the pusher sees; the byte
        // count below only stops clients that are not git.
        GIT_CONFIG_COUNT: '3',
        GIT_CONFIG_KEY_0: 'receive.maxInputSize',
        GIT_CONFIG_VALUE_0: String(this.config.NIMBUS_GIT_MAX_PUSH_BYTES),
        GIT_CONFIG_KEY_1: 'core.hooksPath',
        GIT_CONFIG_VALUE_1: HOOKS_DIR,
        // Malformed objects (a tree entry named `..`, say) are refused before any hook sees them.
        GIT_CONFIG_KEY_2: 'receive.fsckObjects',
        GIT_CONFIG_VALUE_2: 'true',
        ...hookEnv,
        REMOTE_ADDR: request.ip ?? '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let received = 0;
    let refused = false;
    const hardLimit = this.config.NIMBUS_GIT_MAX_PUSH_BYTES + PROTOCOL_SLACK_BYTES;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > hardLimit && !refused) {
        refused = true;
        request.unpipe(backend.stdin);
        backend.kill('SIGKILL');
      }
    });
    request.pipe(backend.stdin);
    backend.stdin.on('error', () => undefined); // the backend may exit before reading everything
    backend.stderr.on('data', (chunk: Buffer) =>
      this.logger.warn({ appId, stderr: chunk.toString().trim() }, 'git http-backend'),
    );
    const exited = new Promise<number | null>((resolve) => backend.once('close', resolve));
    let head;
    try {
      head = await readCgiHead(backend.stdout);
    } catch (error) {
      if (refused) throw this.tooLarge();
      throw error;
    }
    response.status(head.status);
    for (const [name, value] of head.headers) response.setHeader(name, value);
    response.setHeader('Cache-Control', 'no-cache');
    if (head.rest.length) response.write(head.rest);
    backend.stdout.pipe(response);
    backend.stdout.resume();
    await exited;
  }
}
