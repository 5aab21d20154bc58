import { readWake, wakeChannel, wakeMessage, wakeSubscriptions, type Wake } from './wake';

describe(readWake.name, () => {
  const prefix = 'nimbus:test:';
  const id = '0d9c1f4e-8c1b-4a57-9a38-2f0f1b6a7c11';
  const wakes: Wake[] = [
    { to: 'orchestrator', changed: { kind: 'app', id } },
    { to: 'orchestrator', changed: { kind: 'node', id } },
    { to: 'orchestrator', changed: { kind: 'demand', id } },
    { to: 'orchestrator', changed: { kind: 'metrics', id } },
    { to: 'node', nodeId: id },
    { to: 'routers', host: 'web.prod.acme.localhost' },
    { to: 'routers', certificate: id },
  ];

  it('should read back every wake-up a sender writes', () => {
    for (const wake of wakes)
      expect(readWake(prefix, wakeChannel(prefix, wake), wakeMessage(wake))).toEqual(wake);
  });

  it('should send each wake-up where its receiver listens', () => {
    expect(wakeChannel(prefix, wakes[0]!)).toBe(wakeSubscriptions.orchestrator(prefix));
    expect(wakeChannel(prefix, wakes[2]!)).toBe(wakeSubscriptions.orchestrator(prefix));
    expect(wakeChannel(prefix, wakes[5]!)).toBe(wakeSubscriptions.routers(prefix));
    const pattern = wakeSubscriptions.nodesPattern(prefix);
    expect(wakeChannel(prefix, wakes[4]!).startsWith(pattern.slice(0, -1))).toBe(true);
  });

  it('should ignore what this version does not know', () => {
    const orchestrator = wakeSubscriptions.orchestrator(prefix);
    for (const message of ['', 'app:', ':id', 'app', 'pod:1', 'appid'])
      expect(readWake(prefix, orchestrator, message)).toBeNull();
    expect(readWake(prefix, `${prefix}wake:node:`, 'changed')).toBeNull();
    expect(readWake(prefix, wakeSubscriptions.routers(prefix), '')).toBeNull();
    expect(readWake(prefix, 'other:wake:orchestrator', 'app:1')).toBeNull();
  });
});
