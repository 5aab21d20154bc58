import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeHandle } from './runtime';

/**
 * Startup CPU boost, as Cloud Run's: an instance boots on at least a whole CPU (twice its request
 * if more), then gets its request. At a 250m quota the CFS lets it run 25 ms of every 100, so a
 * Node.js boot that takes 85 ms takes three times that, which a request at zero waits out.
 */
export const STARTUP_BOOST_MS = 10_000;
export const boostedCpus = (cpus: number): number => Math.max(1, 2 * cpus);

/** In the instance's directory, so that an agent restarted meanwhile still ends the boost. */
const BOOST_FILE = 'boost.json';

interface BoostRecord {
  /** Epoch ms: the boost ends at the first look after it. */
  until: number;
  /** The instance's own request, in CPUs, as its quota afterwards. */
  cpus: number;
}

/**
 * The boosts of one runtime's instances: started with the boosted quota, each is set to its own
 * request by `settle` on the first look after the boost (the supervisor looks every tick while an
 * instance runs). Instances settled are remembered, so their file is not read each look.
 */
export class StartupBoosts {
  private readonly settled = new Set<string>();

  constructor(
    /** Sets an instance's CPU quota; a failure (the instance gone meanwhile) is ignored. */
    private readonly setQuota: (handle: RuntimeHandle, cpus: number) => Promise<void>,
    private readonly boostMs: number = STARTUP_BOOST_MS,
  ) {}

  /** The quota to start an instance with: boosted where it has a CPU request. */
  startingCpus(cpus: number): number {
    return cpus > 0 ? boostedCpus(cpus) : 0;
  }

  /** Before the instance starts in `dir`: when its boost ends (none without a CPU request). */
  async begin(instanceId: string, dir: string, cpus: number): Promise<void> {
    this.settled.delete(instanceId);
    const record: BoostRecord | null = cpus > 0 ? { until: Date.now() + this.boostMs, cpus } : null;
    await writeFile(join(dir, BOOST_FILE), JSON.stringify(record));
  }

  /** On a look at a running instance: its own quota once the boost is over. */
  async settle(handle: RuntimeHandle): Promise<void> {
    if (this.settled.has(handle.instanceId)) return;
    const record = await readBoost(handle.dir);
    if (record && Date.now() < record.until) return;
    if (record) await this.setQuota(handle, record.cpus).catch(() => undefined);
    this.settled.add(handle.instanceId);
  }

  forget(instanceId: string): void {
    this.settled.delete(instanceId);
  }
}

async function readBoost(dir: string): Promise<BoostRecord | null> {
  const text = await readFile(join(dir, BOOST_FILE), 'utf8').catch(() => 'null');
  return JSON.parse(text) as BoostRecord | null;
}
