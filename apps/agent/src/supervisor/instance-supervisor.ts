import type { Assignment, InstanceStatus } from '@nimbus/cluster';
import type { HttpCheck } from '@nimbus/domain';
import type { RunningInstance } from '../metrics/running-instance';
import type { Runtime, UnpackedImage } from '../runtimes/runtime';
import { backoffDelay } from './backoff';
import { crashLoopMessage, exitCodeOf, exitReason, lastFailureOf, type Ended } from './instance-exit';
import { probeInstance } from './instance-probe';
import { InstanceStatusTracker } from './instance-status';
import type { ProbeResult } from './probes';
import { readinessPeriod } from './readiness-pacing';
import { StartupGate } from './startup-gate';
import type { SavedInstance, SupervisorDeps } from './supervisor-deps';
import { UsageSampler } from './usage-sampler';

/** How often a running instance is looked at (exit, liveness). */
const TICK_MS = 500;
/** An instance that ran this long before exiting is not crash-looping: its back-off starts over. */
const BACKOFF_RESET_MS = 10 * 60_000;

/**
 * Keeps one assignment converged, kubelet-style: pull the image, start the instance with a
 * $PORT, probe readiness, then watch it — restart it with exponential back-off when it exits
 * (a one-off's exit is final), restart it when its liveness probe keeps failing, and stop it
 * gracefully when the assignment says so. Every change of phase is reported.
 */
export class InstanceSupervisor {
  private desired: Assignment;
  private readonly status = new InstanceStatusTracker((status) => this.deps.report(this.instanceId, status));
  private wake: (() => void) | null = null;
  /** The HTTP check the image's app.json declares for this process type, once known. */
  private check: HttpCheck | null = null;
  private readonly usage = new UsageSampler();
  /** Its process while it runs, for the node's metrics. */
  private watched: SavedInstance | null = null;
  readonly done: Promise<void>;

  constructor(
    assignment: Assignment,
    private readonly deps: SupervisorDeps,
    adopted: SavedInstance | null,
  ) {
    this.desired = assignment;
    this.done = this.run(adopted).catch((error: unknown) => {
      deps.logger.error({ err: error, instanceId: assignment.instanceId }, 'instance supervisor failed');
    });
  }

  get instanceId(): string {
    return this.desired.instanceId;
  }

  /** What runs now and whether it is ready, for the node's metrics; null while nothing runs. */
  get running(): RunningInstance | null {
    return this.watched && { assignment: this.desired, ...this.watched, ready: this.status.current.ready };
  }

  /** A newer version of the assignment (it may now ask for a stop). */
  update(assignment: Assignment): void {
    this.desired = assignment;
    this.wake?.();
  }

  /** Stops it as if its assignment asked to (the assignment is gone from the control plane). */
  stop(gracePeriodMs: number): void {
    this.update({ ...this.desired, desiredState: 'stopped', gracePeriodMs });
  }

  /** One probe: the image's check if it declares one, else the assignment's probe. */
  private probe(saved: SavedInstance): Promise<ProbeResult> {
    return probeInstance(this.check, this.desired.readiness, saved);
  }

  /** The image's check for this process type, if its app.json declares one. */
  private checkOf(image: UnpackedImage | null): HttpCheck | null {
    return image?.healthChecks[this.desired.processType] ?? null;
  }

  private get stopping(): boolean {
    return this.desired.desiredState === 'stopped';
  }

  private async run(adopted: SavedInstance | null): Promise<void> {
    const { logger } = this.deps;
    const runtime = this.deps.runtimes.get(this.desired.runtime);
    if (!runtime) {
      this.status.set({
        phase: 'failed',
        reason: 'RuntimeUnavailable',
        message: `this node has no ${this.desired.runtime} runtime`,
      });
      return;
    }
    let saved = adopted;
    if (saved) {
      this.status.current.restarts = saved.restarts;
      // Found again after an agent restart: the image is in the node's cache, with its checks.
      const image = await this.deps
        .pullImage(this.desired.release.imageRepository, this.desired.release.imageDigest)
        .catch(() => null);
      this.check = this.checkOf(image);
    }
    while (!this.stopping) {
      if (!saved) {
        saved = await this.start(runtime);
        if (!saved) {
          if (this.desired.kind === 'oneoff') return;
          await this.sleep(backoffDelay(++this.status.current.restarts));
          continue;
        }
      } else {
        this.status.set({ phase: 'running', port: saved.port, reason: null, message: null });
      }
      const stopLogs = this.deps.followLogs(saved.handle);
      this.watched = saved;
      const ended = await this.watch(runtime, saved);
      this.watched = null;
      if (ended === 'stopped' || this.stopping) {
        await runtime.stop(saved.handle, this.desired.gracePeriodMs);
        await stopLogs();
        await this.finish(runtime, saved, {
          phase: 'exited',
          ready: false,
          reason: 'Stopped',
          message: null,
        });
        return;
      }
      await stopLogs();
      const exit = ended;
      const reason = exitReason(exit);
      const exitCode = exitCodeOf(exit);
      const lastFailure = await lastFailureOf(exit, this.desired.resources.memoryMb, saved.handle);
      if (this.desired.kind === 'oneoff') {
        await this.finish(runtime, saved, {
          phase: 'exited',
          ready: false,
          exitCode,
          reason,
          message: null,
          lastFailure: exitCode === 0 ? null : lastFailure,
        });
        return;
      }
      const ranFor = Date.now() - saved.startedAt;
      const restarts = ranFor > BACKOFF_RESET_MS ? 1 : this.status.current.restarts + 1;
      const delay = backoffDelay(restarts);
      logger.info({ instanceId: this.instanceId, exitCode, reason, restartIn: delay }, 'instance exited');
      await runtime.remove(saved.handle).catch(() => undefined);
      this.deps.releasePort(saved.port);
      await this.deps.save(this.instanceId, null);
      saved = null;
      this.status.set({
        phase: 'crashloop',
        ready: false,
        restarts,
        exitCode,
        reason: reason === 'Completed' ? 'CrashLoopBackOff' : reason,
        message: crashLoopMessage(exit, exitCode, delay),
        lastFailure,
        port: null,
      });
      await this.sleep(delay);
    }
    if (saved) {
      await runtime.stop(saved.handle, this.desired.gracePeriodMs);
      await this.finish(runtime, saved, { phase: 'exited', ready: false, reason: 'Stopped', message: null });
    } else {
      this.status.set({ phase: 'exited', ready: false, reason: 'Stopped', message: null });
    }
  }

  /** Pulls and starts; null (with the failure reported) when it could not. */
  private async start(runtime: Runtime): Promise<SavedInstance | null> {
    const assignment = this.desired;
    this.status.set({ phase: 'starting', ready: false, port: null });
    let image: UnpackedImage;
    try {
      image = await this.deps.pullImage(assignment.release.imageRepository, assignment.release.imageDigest);
      this.check = this.checkOf(image);
    } catch (error) {
      this.status.set({
        phase: this.desired.kind === 'oneoff' ? 'failed' : 'crashloop',
        reason: 'ImagePullError',
        message: (error as Error).message,
        lastFailure: `could not pull its image: ${(error as Error).message}`,
      });
      return null;
    }
    const port = await this.deps.allocatePort();
    try {
      const handle = await runtime.start({
        instanceId: assignment.instanceId,
        image,
        command: assignment.command,
        env: { ...assignment.env, PORT: String(port) },
        resources: assignment.resources,
        dir: this.deps.instanceDir(assignment.instanceId),
      });
      const saved = { handle, port, restarts: this.status.current.restarts, startedAt: Date.now() };
      await this.deps.save(assignment.instanceId, saved);
      this.status.set({ phase: 'running', port, exitCode: null, reason: null, message: null });
      return saved;
    } catch (error) {
      this.deps.releasePort(port);
      this.status.set({
        phase: this.desired.kind === 'oneoff' ? 'failed' : 'crashloop',
        reason: 'StartError',
        message: (error as Error).message,
        lastFailure: `could not start: ${(error as Error).message}`,
      });
      return null;
    }
  }

  /**
   * Until the instance exits or is to be stopped. A service is probed until it is ready (through
   * its startup check's attempts, when its app.json declares one: failing them all stops it),
   * then for liveness: failing that many times in a row stops it too.
   */
  private async watch(runtime: Runtime, saved: SavedInstance): Promise<'stopped' | Ended> {
    let liveFailures = 0;
    let lastLiveness = Date.now();
    const gate = this.check?.startup ? new StartupGate(this.check.startup, saved.startedAt) : null;
    while (!this.stopping) {
      const state = await runtime.state(saved.handle);
      if (!state.running) return state;
      if (this.desired.kind === 'service') {
        if (!this.status.current.ready) {
          if (!gate || gate.due(Date.now())) {
            const result = await this.probe(saved);
            const verdict = gate ? gate.record(result, Date.now()) : result.ok ? 'passed' : 'waiting';
            if (verdict === 'passed') {
              this.status.set({ ready: true, lastFailure: null });
              lastLiveness = Date.now();
            } else if (!result.ok && (this.check || verdict === 'failed')) {
              // TCP and uptime probes fail while an app boots: only checks it declared are news.
              this.status.set({ lastFailure: result.failure });
              if (verdict === 'failed') return this.stopUnhealthy(runtime, saved, result.failure, gate);
            }
          }
        } else if (Date.now() - lastLiveness >= this.deps.livenessPeriodMs) {
          lastLiveness = Date.now();
          const result = await this.probe(saved);
          liveFailures = result.ok ? 0 : liveFailures + 1;
          if (!result.ok && liveFailures >= this.deps.livenessFailures) {
            this.deps.logger.warn({ instanceId: this.instanceId }, 'liveness probe failed; restarting');
            return this.stopUnhealthy(runtime, saved, `${result.failure} (liveness)`, null);
          }
        }
      }
      await this.usage.report(runtime, saved.handle, this.status);
      const waitingForReady = this.desired.kind === 'service' && !this.status.current.ready;
      await this.sleep(waitingForReady ? readinessPeriod(Date.now() - saved.startedAt) : TICK_MS);
    }
    return 'stopped';
  }

  /** Stops an instance that failed its checks; it is then restarted like one that crashed. */
  private async stopUnhealthy(
    runtime: Runtime,
    saved: SavedInstance,
    failure: string,
    gate: StartupGate | null,
  ): Promise<Ended> {
    this.deps.logger.warn(
      { instanceId: this.instanceId, failure, ...(gate ? { attempts: gate.progress } : {}) },
      'instance failed its health check; stopping it',
    );
    await runtime.stop(saved.handle, Math.min(this.desired.gracePeriodMs, 5000));
    return { running: false, exitCode: null, signal: 'SIGTERM', oomKilled: false, unhealthy: failure };
  }

  private async finish(
    runtime: Runtime,
    saved: SavedInstance,
    status: Partial<InstanceStatus>,
  ): Promise<void> {
    await runtime
      .remove(saved.handle)
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, instanceId: this.instanceId }, 'could not remove an instance'),
      );
    this.deps.releasePort(saved.port);
    await this.deps.save(this.instanceId, null);
    this.status.set({ ...status, port: null, usage: null });
  }

  /** Sleeps, cut short when the assignment changes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
