import { DEMAND_TTL_MS, demandKey, readDemand, recordDemand, type DemandWriter } from './demand';

/** A demand hash in memory, written the way a router's pipeline writes it. */
class FakeHash implements DemandWriter {
  readonly fields = new Map<string, string>();
  readonly expiries: number[] = [];

  hset(key: string, field: string, value: string): void {
    expect(key).toBe(demandKey(prefix, appId));
    this.fields.set(field, value);
  }

  hdel(_key: string, field: string): void {
    this.fields.delete(field);
  }

  pexpire(_key: string, ms: number): void {
    this.expiries.push(ms);
  }

  values(): string[] {
    return [...this.fields.values()];
  }
}

const prefix = 'nimbus:test:';
const appId = 'app-1';

describe(readDemand.name, () => {
  const t0 = 1_700_000_000_000;

  it('should sum what each router holds, and renew the key on every write', () => {
    const hash = new FakeHash();
    recordDemand(hash, prefix, appId, 'router-a', 3, t0);
    recordDemand(hash, prefix, appId, 'router-b', 4, t0 + 1_000);
    expect(readDemand(hash.values(), t0 + 2_000)).toBe(7);
    expect(hash.expiries).toEqual([DEMAND_TTL_MS, DEMAND_TTL_MS]);
  });

  it('should drop a router that stopped refreshing while another keeps the key alive', () => {
    const hash = new FakeHash();
    recordDemand(hash, prefix, appId, 'dead', 5, t0);
    recordDemand(hash, prefix, appId, 'alive', 2, t0 + DEMAND_TTL_MS - 1);
    expect(readDemand(hash.values(), t0 + DEMAND_TTL_MS - 1)).toBe(7);
    expect(readDemand(hash.values(), t0 + DEMAND_TTL_MS)).toBe(2);
  });

  it('should remove a router that holds nothing any more', () => {
    const hash = new FakeHash();
    recordDemand(hash, prefix, appId, 'router-a', 3, t0);
    recordDemand(hash, prefix, appId, 'router-a', 0, t0 + 10);
    expect(hash.fields.size).toBe(0);
    expect(readDemand(hash.values(), t0 + 10)).toBe(0);
  });

  it('should count a bare number, as a router from before the write times records it', () => {
    expect(readDemand(['4', '2 1000'], 2_000)).toBe(6);
  });

  it('should count a time ahead of the reader: another host whose clock runs fast', () => {
    expect(readDemand(['4 5000'], 2_000)).toBe(4);
  });

  it('should ignore what it does not understand', () => {
    expect(readDemand(['', 'x', '-3 1000', '0 1000', '3 x', '3 ', '3 1000 9', 'Infinity 1000'], 1_000)).toBe(
      0,
    );
  });

  it('should read as of now when given no time, as the orchestrator calls it', () => {
    const hash = new FakeHash();
    recordDemand(hash, prefix, appId, 'router-a', 3);
    expect(readDemand(hash.values())).toBe(3);
    expect(readDemand([`3 ${Date.now() - DEMAND_TTL_MS - 1}`])).toBe(0);
  });
});
