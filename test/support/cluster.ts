import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  freePort,
  startNodeProcess,
  type NodeProcess,
  startBuilderProcess,
  type BuilderProcess,
  seedTenant,
} from '@nimbus/testing';
import { OciRuntime, ProcessRuntime, type Runtime, type RuntimeHandle } from '@nimbus/agent';
import { startTestGateway, type TestGateway } from './gateway';

const ROOT = resolve(__dirname, '../..');
const AGENT = join(ROOT, 'apps/agent/dist/main.js');
const ORCHESTRATOR = join(ROOT, 'apps/orchestrator/dist/main.js');
const ROUTER = join(ROOT, 'apps/router/dist/main.js');

export interface ClusterOptions {
  /** Node lease: how soon a silent agent's node is NotReady. */
  leaseDuration?: string;
  /** Extra environment for every orchestrator, and for the gateway. */
  orchestratorEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
}

export interface TestAgent {
  name: string;
  process: NodeProcess;
  stateDir: string;
}

/**
 * The whole platform on loopback, each part a real process (the gateway in-process for speed):
 * gateway, builder, router, orchestrators and agents, sharing one database and Redis prefix.
 */
export class TestCluster {
  readonly agents = new Map<string, TestAgent>();
  readonly orchestrators: NodeProcess[] = [];
  private nextAgentPorts = 20_000 + Math.floor(Math.random() * 20) * 1000;

  private constructor(
    readonly gateway: TestGateway,
    readonly builder: BuilderProcess,
    readonly router: NodeProcess,
    readonly routerPort: number,
    /** HTTPS at the edge, with a self-signed platform certificate and apps' own. */
    readonly routerTlsPort: number,
    /** What the orchestrators seal apps' certificate keys with for the router. */
    private readonly edgeKey: string,
    private readonly root: string,
    private readonly options: ClusterOptions,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const root = await mkdtemp(join(tmpdir(), 'nimbus-cluster-'));
    // Instances of the process runtime run as an unprivileged user, in copies below the agents' state.
    await chmod(root, 0o711);
    const routerPort = await freePort();
    const routerTlsPort = await freePort();
    const edgeKey = randomBytes(32).toString('base64');
    const lease = options.leaseDuration ?? '10s';
    const gateway = await startTestGateway({
      NIMBUS_NODE_JOIN_TOKEN: randomBytes(24).toString('hex'),
      NIMBUS_ROUTER_PORT: String(routerPort),
      NIMBUS_NODE_LEASE_DURATION: lease,
      NIMBUS_STOP_GRACE_PERIOD: '5s',
      NIMBUS_ACCESS_LOG: 'false',
      ...options.gatewayEnv,
    });
    const builder = await startBuilderProcess(gateway.env);
    const router = await startNodeProcess({
      script: ROUTER,
      readyMessage: 'router listening',
      env: {
        NIMBUS_ROUTER_PORT: String(routerPort),
        NIMBUS_ROUTER_ADMIN_PORT: String(await freePort()),
        NIMBUS_ROUTER_TLS_PORT: String(routerTlsPort),
        NIMBUS_EDGE_KEY: edgeKey,
        REDIS_URL: gateway.env.REDIS_URL,
        NIMBUS_REDIS_PREFIX: gateway.env.NIMBUS_REDIS_PREFIX,
        NIMBUS_ACCESS_LOG: 'false',
        // Its runtime directory (HAProxy's config and socket) goes with the cluster's: the
        // router is killed, not stopped, and could not remove it itself.
        TMPDIR: root,
      },
    });
    const cluster = new TestCluster(
      gateway,
      builder,
      router,
      routerPort,
      routerTlsPort,
      edgeKey,
      root,
      options,
    );
    await cluster.addOrchestrator();
    return cluster;
  }

  get leaseDuration(): string {
    return this.options.leaseDuration ?? '10s';
  }

  async addOrchestrator(id = `orchestrator-${this.orchestrators.length + 1}`): Promise<NodeProcess> {
    const orchestrator = await startNodeProcess({
      script: ORCHESTRATOR,
      readyMessage: 'orchestrator ready',
      env: {
        PORT: String(await freePort()),
        DATABASE_URL: this.gateway.env.DATABASE_URL,
        REDIS_URL: this.gateway.env.REDIS_URL,
        NIMBUS_REDIS_PREFIX: this.gateway.env.NIMBUS_REDIS_PREFIX,
        // An automatic rollback restores the app's config: it opens and seals the tenant's secrets.
        NIMBUS_MASTER_KEY: this.gateway.env.NIMBUS_MASTER_KEY,
        NIMBUS_EDGE_KEY: this.edgeKey,
        NIMBUS_ORCHESTRATOR_ID: id,
        NIMBUS_NODE_LEASE_DURATION: this.leaseDuration,
        NIMBUS_LEADER_LEASE: '3s',
        NIMBUS_RESYNC: '2s',
        NIMBUS_DRAIN_DELAY: '1s',
        LOG_LEVEL: 'debug',
        ...this.options.orchestratorEnv,
      },
    });
    this.orchestrators.push(orchestrator);
    return orchestrator;
  }

  async addAgent(name: string, env: Record<string, string> = {}): Promise<TestAgent> {
    const stateDir = join(this.root, `agent-${name}`);
    const low = this.nextAgentPorts;
    this.nextAgentPorts += 500;
    const agent = await startNodeProcess({
      script: AGENT,
      readyMessage: 'agent ready',
      env: {
        PORT: String(await freePort()),
        NIMBUS_API_URL: this.gateway.url,
        NIMBUS_NODE_JOIN_TOKEN: this.gateway.config.NIMBUS_NODE_JOIN_TOKEN as string,
        NIMBUS_NODE_NAME: name,
        NIMBUS_NODE_CPU_MILLIS: '4000',
        NIMBUS_NODE_MEMORY_MB: '4096',
        NIMBUS_AGENT_STATE_DIR: stateDir,
        NIMBUS_AGENT_PORT_RANGE: `${low}-${low + 499}`,
        NIMBUS_IMAGE_LAYOUT: this.builder.images,
        LOG_LEVEL: 'debug',
        ...env,
      },
    });
    const entry = { name, process: agent, stateDir };
    this.agents.set(name, entry);
    return entry;
  }

  /** A tenant with the given apps, and its owner's token. */
  seed(tenant: string, layout: Record<string, string[]>) {
    return seedTenant(this.gateway, tenant, layout);
  }

  hostOf(app: string, namespace: string, tenant: string): string {
    return `${app}.${namespace}.${tenant}.localhost`;
  }

  /**
   * GET through the router, as a browser asking for the app's host would. It gives up after
   * `timeoutMs`: a request that waits for a cold start may need longer than one to a running app.
   */
  get(host: string, path = '/', timeoutMs = 5000): Promise<{ status: number; body: string }> {
    return new Promise((resolvePromise, reject) => {
      const call = request(
        // A connection per request: nothing lingers once the test is over.
        { host: '127.0.0.1', port: this.routerPort, path, headers: { host }, agent: false },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body }));
        },
      );
      call.on('error', reject);
      call.setTimeout(timeoutMs, () => call.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      call.end();
    });
  }

  /** Polls `check` until it holds, or fails after `timeoutMs` naming `what`. */
  async until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    while (!(await check().catch(() => false))) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.diagnostics()}`);
      await new Promise((done) => setTimeout(done, 100));
    }
    return Date.now() - started;
  }

  /** The tail of every process's log, for a failing test's message. */
  diagnostics(): string {
    const tail = (name: string, text: string) => `--- ${name}\n${text.split('\n').slice(-15).join('\n')}`;
    return [
      ...this.orchestrators.map((o, i) => tail(`orchestrator ${i + 1}`, o.logs())),
      ...[...this.agents.values()].map((a) => tail(`agent ${a.name}`, a.process.logs())),
    ].join('\n');
  }

  async close(): Promise<void> {
    for (const agent of this.agents.values()) await agent.process.kill('SIGKILL');
    for (const orchestrator of this.orchestrators) await orchestrator.kill('SIGKILL');
    await this.router.kill('SIGKILL');
    await this.builder.close();
    await this.stopInstances();
    await this.gateway.close();
    await rm(this.root, { recursive: true, force: true });
  }

  /** Instances outlive agents by design; a test must not leave them (or their cgroups) behind. */
  private async stopInstances(): Promise<void> {
    for (const agent of this.agents.values()) {
      const runtimes: Record<string, Runtime> = {
        process: new ProcessRuntime({ hostPath: process.env.PATH ?? '/usr/bin:/bin' }),
        oci: new OciRuntime({ stateDir: agent.stateDir }),
      };
      const dir = join(agent.stateDir, 'instances');
      for (const file of (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.json'))) {
        const { handle } = JSON.parse(await readFile(join(dir, file), 'utf8')) as { handle: RuntimeHandle };
        const runtime = runtimes[handle.runtime];
        if (!runtime) continue;
        await runtime.stop(handle, 0).catch(() => undefined);
        await runtime.remove(handle).catch(() => undefined);
      }
    }
  }
}
