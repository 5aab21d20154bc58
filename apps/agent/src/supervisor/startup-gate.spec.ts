import { StartupGate } from './startup-gate';

const failed = { ok: false as const, failure: 'health check / answered 404' };

describe(StartupGate.name, () => {
  it('should make the first attempt after the initial delay, then one every `wait` seconds', () => {
    const gate = new StartupGate({ attempts: 3, wait: 2, initialDelay: 5 }, 1_000);
    expect(gate.due(5_999)).toBe(false);
    expect(gate.due(6_000)).toBe(true);
    expect(gate.record(failed, 6_100)).toBe('waiting');
    expect(gate.due(8_099)).toBe(false);
    expect(gate.due(8_100)).toBe(true);
    expect(gate.progress).toBe('1 of 3 attempts failed');
  });

  it('should fail once every attempt has failed, and pass at the first that passes', () => {
    const gate = new StartupGate({ attempts: 2, wait: 0, initialDelay: 0 }, 0);
    expect(gate.record(failed, 0)).toBe('waiting');
    expect(gate.record(failed, 1)).toBe('failed');

    const another = new StartupGate({ attempts: 2, wait: 0, initialDelay: 0 }, 0);
    expect(another.record(failed, 0)).toBe('waiting');
    expect(another.record({ ok: true }, 1)).toBe('passed');
  });
});
