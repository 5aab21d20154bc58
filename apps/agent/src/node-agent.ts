import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_REPORTED_IMAGES, type Assignment, type NodeRegistration } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import { ControlPlane, ControlPlaneError } from './control/control-plane';
import { StatusSender } from './control/status-sender';
import type { ImageCache } from './images/image-cache';
import type { RunningInstance } from './metrics/running-instance';
import type { Runtime, RuntimeHandle, UnpackedImage } from './runtimes/runtime';
import { InstanceSupervisor } from './supervisor/instance-supervisor';
import type { SavedInstance, SupervisorDeps } from './supervisor/supervisor-deps';
import { PortAllocator } from './supervisor/port-allocator';

export interface NodeAgentOptions {
  controlPlane: ControlPlane;
  registration: NodeRegistration;
  joinToken: string | undefined;
  stateDir: string;
  runtimes: Map<string, Runtime>;
  pullImage(repository: string, digest: string): Promise<UnpackedImage>;
  /** The node's unpacked images: named in every lease renewal, and evicted beyond the cache's size. */
  images?: Pick<ImageCache, 'cached' | 'evict'>;
  /** Ships an instance's output as it comes; the returned function ships the rest and stops. */
  followLogs(handle: RuntimeHandle): () => Promise<void>;
  ports: PortAllocator;
  livenessPeriodMs: number;
  livenessFailures: number;
  logger: Logger;
}

interface Credential {
  id: string;
  name: string;
  token: string;
}

/** Grace period of instances stopped because their agent stops. */
const STOP_ON_EXIT_GRACE_MS = 10_000;
/** Between reconnects of the assignment watch. */
const RECONNECT_MS = 1000;
/** How often statuses that could not be sent are tried again. */
const FLUSH_MS = 200;

/**
 * The kubelet of a node: registers (once; the credential is kept), renews the lease, lists then
 * watches its assignments (resuming from the last resource version, listing again after every
 * disconnect so removals are not missed) and keeps one supervisor per assignment. Instances are
 * started detached and survive the agent: a restarted agent finds them again by their handles.
 */
export class NodeAgent {
  private readonly supervisors = new Map<string, InstanceSupervisor>();
  private readonly statuses: StatusSender;
  private leaseMs = 10_000;
  private stopped = false;
  private readonly abort = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> | null = null;
  private adoptable = new Map<string, SavedInstance>();
  /** Set once every instance found on the node is claimed or stopped: only then is an image known unused. */
  private listed = false;
  private evicting: Promise<void> | null = null;
  /** The image each supervisor runs its instance from: the cache keeps it while the supervisor lives. */
  private readonly imageOf = new WeakMap<InstanceSupervisor, string>();

  constructor(private readonly options: NodeAgentOptions) {
    this.statuses = new StatusSender(options.controlPlane);
  }

  private get instancesDir(): string {
    return join(this.options.stateDir, 'instances');
  }

  async start(): Promise<Credential> {
    // Traversable but not listable: process-runtime instances (another user) reach their own
    // directory by name, and see neither the others nor the agent's records (mode 0600).
    await mkdir(this.instancesDir, { recursive: true, mode: 0o711 });
    await chmod(this.instancesDir, 0o711);
    const credential = await this.credential();
    this.adoptable = await this.loadSaved();
    await this.renewLease();
    this.timers.push(setInterval(() => void this.renewLease(), Math.max(500, this.leaseMs / 4)));
    this.timers.push(setInterval(() => void this.statuses.flush(), FLUSH_MS));
    this.syncing = this.sync();
    return credential;
  }

  /**
   * Stops watching and reporting; instances keep running for the next agent to find, unless
   * `stopInstances` asks for them to be stopped too (gracefully, and reported).
   */
  async stop({ stopInstances = false }: { stopInstances?: boolean } = {}): Promise<void> {
    if (stopInstances) {
      const supervisors = [...this.supervisors.values()];
      for (const supervisor of supervisors) supervisor.stop(STOP_ON_EXIT_GRACE_MS);
      await Promise.all(supervisors.map((supervisor) => supervisor.done));
      await this.statuses.flush();
    }
    this.stopped = true;
    this.abort.abort();
    for (const timer of this.timers) clearInterval(timer);
    await this.syncing;
    await this.evicting;
    await this.statuses.flush();
  }

  private async credential(): Promise<Credential> {
    const file = join(this.options.stateDir, 'node.json');
    const stored = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as Credential,
      () => null,
    );
    if (stored && stored.name === this.options.registration.name) {
      this.options.controlPlane.useCredential(stored.token);
      return stored;
    }
    return this.register(file);
  }

  private async register(file = join(this.options.stateDir, 'node.json')): Promise<Credential> {
    if (!this.options.joinToken)
      throw new Error('this node has no credential yet: set NIMBUS_NODE_JOIN_TOKEN so it can register');
    const registered = await this.options.controlPlane.register(
      this.options.joinToken,
      this.options.registration,
    );
    const credential = { id: registered.id, name: registered.name, token: registered.token };
    await writeFile(file, JSON.stringify(credential), { mode: 0o600 });
    this.options.controlPlane.useCredential(registered.token);
    this.leaseMs = registered.leaseDurationMs;
    this.options.logger.info({ node: registered.name, id: registered.id }, 'node registered');
    return credential;
  }

  private async renewLease(): Promise<void> {
    try {
      const cachedImages = (await this.options.images?.cached())?.slice(0, MAX_REPORTED_IMAGES);
      ({ leaseDurationMs: this.leaseMs } = await this.options.controlPlane.renewLease(
        cachedImages ? { cachedImages } : undefined,
      ));
      this.evicting ??= this.evictImages().finally(() => (this.evicting = null));
    } catch (error) {
      // A node removed or re-registered elsewhere: register again, under the same name.
      if (error instanceof ControlPlaneError && error.status === 401 && this.options.joinToken) {
        await this.register().catch((again: unknown) =>
          this.options.logger.warn({ err: again }, 'could not register'),
        );
        return;
      }
      this.options.logger.warn({ err: error }, 'lease renewal failed');
    }
  }

  /** Makes room in the image cache, sparing the images of every instance this agent supervises. */
  private async evictImages(): Promise<void> {
    const { images, logger } = this.options;
    if (!images || !this.listed || this.stopped) return;
    const inUse = [...this.supervisors.values()].flatMap((supervisor) => this.imageOf.get(supervisor) ?? []);
    const evicted = await images.evict(inUse).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not evict images');
      return [];
    });
    if (evicted.length) logger.info({ images: evicted }, 'evicted the least recently used images');
  }

  /** List, converge, watch; again from a fresh list after any break. */
  private async sync(): Promise<void> {
    while (!this.stopped) {
      try {
        const list = await this.options.controlPlane.list();
        this.converge(list.items);
        await this.collectOrphans(new Set(list.items.map((item) => item.instanceId)));
        this.listed = true;
        for await (const event of this.options.controlPlane.watch(list.resourceVersion, this.abort.signal)) {
          if (event.type === 'REMOVED') this.remove(event.instanceId);
          else this.apply(event.assignment);
        }
      } catch (error) {
        if (this.stopped) return;
        this.options.logger.warn({ err: error }, 'assignment watch broke; listing again');
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }

  private converge(assignments: Assignment[]): void {
    const wanted = new Set(assignments.map((assignment) => assignment.instanceId));
    for (const id of this.supervisors.keys()) if (!wanted.has(id)) this.remove(id);
    for (const assignment of assignments) this.apply(assignment);
  }

  private apply(assignment: Assignment): void {
    const existing = this.supervisors.get(assignment.instanceId);
    if (existing) {
      existing.update(assignment);
      return;
    }
    const adopted = this.adoptable.get(assignment.instanceId) ?? null;
    this.adoptable.delete(assignment.instanceId);
    if (adopted) this.options.ports.reserve(adopted.port);
    // Nothing to start for an instance already told to stop that this agent never ran.
    if (assignment.desiredState === 'stopped' && !adopted) {
      this.statuses.report(assignment.instanceId, {
        phase: 'exited',
        ready: false,
        restarts: 0,
        exitCode: null,
        reason: 'Stopped',
        message: null,
        lastFailure: null,
        port: null,
        usage: null,
      });
      return;
    }
    const supervisor = new InstanceSupervisor(assignment, this.supervisorDeps(), adopted);
    this.supervisors.set(assignment.instanceId, supervisor);
    this.imageOf.set(supervisor, assignment.release.imageDigest);
    void supervisor.done.then(() => {
      if (this.supervisors.get(assignment.instanceId) === supervisor)
        this.supervisors.delete(assignment.instanceId);
    });
  }

  /** The instances whose process runs now, for the node's metrics. */
  running(): RunningInstance[] {
    return [...this.supervisors.values()].flatMap((supervisor) => supervisor.running ?? []);
  }

  /** An assignment gone from the control plane (its app deleted, say): stop what runs for it. */
  private remove(instanceId: string): void {
    const supervisor = this.supervisors.get(instanceId);
    if (!supervisor) return;
    supervisor.stop(5000);
  }

  /** Instances saved by an earlier agent that no assignment claims any more: stopped and forgotten. */
  private async collectOrphans(wanted: Set<string>): Promise<void> {
    for (const [id, saved] of this.adoptable) {
      if (wanted.has(id)) continue;
      this.adoptable.delete(id);
      const runtime = this.options.runtimes.get(saved.handle.runtime);
      if (runtime) {
        await runtime.stop(saved.handle, 5000).catch(() => undefined);
        await runtime.remove(saved.handle).catch(() => undefined);
      }
      await this.save(id, null);
      this.options.logger.info({ instanceId: id }, 'stopped an instance no longer assigned');
    }
  }

  private supervisorDeps(): SupervisorDeps {
    return {
      runtimes: this.options.runtimes,
      pullImage: (repository, digest) => this.options.pullImage(repository, digest),
      allocatePort: () => this.options.ports.allocate(),
      releasePort: (port) => this.options.ports.release(port),
      instanceDir: (id) => join(this.instancesDir, id),
      save: (id, record) => this.save(id, record),
      report: (id, status) => this.statuses.report(id, status),
      followLogs: (handle) => this.options.followLogs(handle),
      livenessPeriodMs: this.options.livenessPeriodMs,
      livenessFailures: this.options.livenessFailures,
      logger: this.options.logger,
    };
  }

  private async loadSaved(): Promise<Map<string, SavedInstance>> {
    const saved = new Map<string, SavedInstance>();
    for (const entry of await readdir(this.instancesDir).catch(() => [])) {
      if (!entry.endsWith('.json')) continue;
      const record = await readFile(join(this.instancesDir, entry), 'utf8').then(
        (text) => JSON.parse(text) as SavedInstance,
        () => null,
      );
      if (record) saved.set(entry.slice(0, -'.json'.length), record);
    }
    return saved;
  }

  private async save(instanceId: string, record: SavedInstance | null): Promise<void> {
    const file = join(this.instancesDir, `${instanceId}.json`);
    if (record) await writeFile(file, JSON.stringify(record), { mode: 0o600 });
    else await rm(file, { force: true });
  }
}
