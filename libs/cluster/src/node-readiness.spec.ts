import { freshLeaseSince, leaseIsFresh, leaseTransition, nodeIsReady } from './node-readiness';

const now = new Date('2026-01-01T00:00:10.000Z');
const leaseMs = 10_000;
const renewedAgo = (ms: number) => new Date(now.getTime() - ms);

describe(nodeIsReady.name, () => {
  it('should be ready while the lease is fresh, up to exactly its duration', () => {
    expect(nodeIsReady({ ready: true, leaseRenewedAt: renewedAgo(0) }, now, leaseMs)).toBe(true);
    expect(nodeIsReady({ ready: true, leaseRenewedAt: renewedAgo(leaseMs) }, now, leaseMs)).toBe(true);
    expect(nodeIsReady({ ready: true, leaseRenewedAt: renewedAgo(leaseMs + 1) }, now, leaseMs)).toBe(false);
  });

  it('should not be ready once declared NotReady, however fresh the lease', () => {
    expect(nodeIsReady({ ready: false, leaseRenewedAt: renewedAgo(0) }, now, leaseMs)).toBe(false);
  });
});

describe(freshLeaseSince.name, () => {
  it('should agree with leaseIsFresh at the boundary', () => {
    const since = freshLeaseSince(now, leaseMs);
    expect(since.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(leaseIsFresh({ leaseRenewedAt: since }, now, leaseMs)).toBe(true);
    expect(leaseIsFresh({ leaseRenewedAt: new Date(since.getTime() - 1) }, now, leaseMs)).toBe(false);
  });
});

describe(leaseTransition.name, () => {
  it('should expire a ready node with a stale lease and restore a NotReady one renewing again', () => {
    expect(leaseTransition({ ready: true, leaseRenewedAt: renewedAgo(leaseMs + 1) }, now, leaseMs)).toBe(
      'expired',
    );
    expect(leaseTransition({ ready: false, leaseRenewedAt: renewedAgo(1) }, now, leaseMs)).toBe('renewed');
  });

  it('should leave a node whose verdict matches its lease alone', () => {
    expect(leaseTransition({ ready: true, leaseRenewedAt: renewedAgo(1) }, now, leaseMs)).toBeNull();
    expect(
      leaseTransition({ ready: false, leaseRenewedAt: renewedAgo(leaseMs + 1) }, now, leaseMs),
    ).toBeNull();
  });
});
