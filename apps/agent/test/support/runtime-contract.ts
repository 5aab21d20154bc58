import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogEntry } from '@nimbus/cluster';
import { LogTailer } from '../../src/logs/log-tailer';
import type { InstanceSpec, Runtime, RuntimeHandle, UnpackedImage } from '../../src/runtimes/runtime';
import { eventually, freePort, httpGet } from './test-image';

export interface RuntimeFixture {
  /** A fresh runtime object, as an agent that (re)starts makes one. */
  runtime(): Runtime;
  image(): UnpackedImage;
  /** Where instance directories go. */
  instancesDir(): string;
  /** Whether memory limits hold here (the process runtime needs writable cgroups for them). */
  limited: boolean;
}

/** Starts instances and cleans up every one of them after each test, whatever the test did. */
export class Instances {
  private readonly started: RuntimeHandle[] = [];
  private readonly specs = new Map<string, InstanceSpec>();
  /** Ports handed out: an instance binds its port only once it has started, so freePort may offer it again. */
  private readonly ports = new Set<number>();
  private count = 0;

  constructor(private readonly fixture: RuntimeFixture) {}

  async start(
    command: string,
    env: Record<string, string> = {},
    overrides: Partial<InstanceSpec> = {},
  ): Promise<{ handle: RuntimeHandle; port: number }> {
    let port = await freePort();
    while (this.ports.has(port)) port = await freePort();
    this.ports.add(port);
    const instanceId = `instance-${process.pid}-${++this.count}`;
    const spec: InstanceSpec = {
      instanceId,
      image: this.fixture.image(),
      command,
      env: { PORT: String(port), GREETING: 'from the spec', ...env },
      resources: { cpuMillis: 1000, memoryMb: 256 },
      dir: join(this.fixture.instancesDir(), instanceId),
      ...overrides,
    };
    const handle = await this.fixture.runtime().start(spec);
    this.specs.set(instanceId, spec);
    this.started.push(handle);
    return { handle, port };
  }

  /** Stops the instance and starts it again from the same spec, in the same directory, as a restart does. */
  async restart(handle: RuntimeHandle): Promise<RuntimeHandle> {
    const spec = this.specs.get(handle.instanceId);
    if (!spec) throw new Error(`${handle.instanceId} was not started here`);
    const runtime = this.fixture.runtime();
    await runtime.stop(handle, 5_000);
    const restarted = await runtime.start(spec);
    // Cleaned up first: removing the old handle removes the directory both share.
    this.started.unshift(restarted);
    return restarted;
  }

  async cleanup(): Promise<void> {
    const runtime = this.fixture.runtime();
    for (const handle of this.started.splice(0)) {
      await runtime.stop(handle, 0);
      await runtime.remove(handle);
    }
  }
}

export async function readLog(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** What every runtime must do, the same way: one app, one contract. */
export function runtimeContract(fixture: RuntimeFixture): void {
  const instances = new Instances(fixture);
  afterEach(() => instances.cleanup());

  it('should run the command with PORT and the spec environment on top of the image environment', async () => {
    const { handle, port } = await instances.start('node server.js');

    expect(await httpGet(port)).toBe('hello from the spec');
    const env = JSON.parse(await httpGet(port, '/env')) as Record<string, string>;
    expect(env).toMatchObject({ PORT: String(port), GREETING: 'from the spec', NODE_ENV: 'production' });
    expect(await fixture.runtime().state(handle)).toEqual({ running: true });
    const stats = await fixture.runtime().stats(handle);
    expect(stats?.memoryBytes).toBeGreaterThan(1024 * 1024);
    expect(stats?.cpuSeconds).toBeGreaterThan(0);
  });

  const limitedIt = fixture.limited ? it : it.skip;

  limitedIt('should confine the instance to its memory limit', async () => {
    const { port } = await instances.start(
      'node server.js',
      {},
      { resources: { cpuMillis: 500, memoryMb: 96 } },
    );

    const limits = JSON.parse(await httpGet(port, '/limits')) as { memory: string };

    expect(Number(limits.memory)).toBe(96 * 1024 * 1024);
  });

  it("should write the instance's output to its log files, which the tailer delivers", async () => {
    const { handle, port } = await instances.start('echo to stderr >&2; node server.js');
    await httpGet(port);
    expect(await readLog(handle.stdoutPath)).toContain(`listening on ${port}`);

    const entries: LogEntry[] = [];
    const tailer = new LogTailer({
      instanceId: handle.instanceId,
      stdoutPath: handle.stdoutPath,
      stderrPath: handle.stderrPath,
      pollIntervalMs: 20,
      onBatch: (batch) => void entries.push(...batch),
    });
    tailer.start();
    try {
      await eventually(async () => entries.some((entry) => entry.line === `listening on ${port}`));
      await eventually(async () =>
        entries.some((entry) => entry.stream === 'stderr' && entry.line === 'to stderr'),
      );
      expect(entries.every((entry) => entry.instanceId === handle.instanceId)).toBe(true);
    } finally {
      await tailer.stop();
    }
  });

  it('should stop gracefully: the app sees SIGTERM and exits on its own', async () => {
    const { handle, port } = await instances.start('node server.js');
    await httpGet(port);
    const runtime = fixture.runtime();

    const started = Date.now();
    await runtime.stop(handle, 10_000);

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readLog(handle.stdoutPath)).toContain('bye');
    expect(await runtime.state(handle)).toEqual({
      running: false,
      exitCode: 0,
      signal: null,
      oomKilled: false,
    });
    expect(await runtime.stats(handle)).toBeNull();
  });

  it('should SIGKILL an app that ignores SIGTERM once the grace period is over', async () => {
    const { handle } = await instances.start('node stubborn.js');
    await eventually(async () => (await readLog(handle.stdoutPath)).includes('stubborn and ready'));
    const runtime = fixture.runtime();

    const started = Date.now();
    await runtime.stop(handle, 500);

    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await readLog(handle.stdoutPath)).toContain('ignoring SIGTERM');
    expect(await runtime.state(handle)).toEqual({
      running: false,
      exitCode: null,
      signal: 'SIGKILL',
      oomKilled: false,
    });
  });

  it('should report the exit code of an app that crashes', async () => {
    const { handle } = await instances.start(`node -e "console.error('boom'); process.exit(3)"`);
    const runtime = fixture.runtime();

    const state = await eventually(async () => {
      const current = await runtime.state(handle);
      return current.running ? null : current;
    });

    expect(state).toEqual({ running: false, exitCode: 3, signal: null, oomKilled: false });
    expect(await readLog(handle.stderrPath)).toContain('boom');
  });

  it('should find a running instance again from its saved handle after the agent restarts', async () => {
    const { handle, port } = await instances.start('node server.js');
    await httpGet(port);
    const saved = JSON.parse(JSON.stringify(handle)) as RuntimeHandle;

    const restarted = fixture.runtime();

    expect(await restarted.state(saved)).toEqual({ running: true });
    expect((await restarted.stats(saved))?.memoryBytes).toBeGreaterThan(0);
    await restarted.stop(saved, 5_000);
    expect(await restarted.state(saved)).toEqual({
      running: false,
      exitCode: 0,
      signal: null,
      oomKilled: false,
    });
  });

  limitedIt('should report an instance killed by its memory limit as OOM-killed', async () => {
    const { handle } = await instances.start(
      `node -e "const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))"`,
      {},
      { resources: { cpuMillis: 1000, memoryMb: 64 } },
    );
    const runtime = fixture.runtime();

    const state = await eventually(async () => {
      const current = await runtime.state(handle);
      return current.running ? null : current;
    });

    expect(state).toEqual({ running: false, exitCode: null, signal: 'SIGKILL', oomKilled: true });
  });
}
