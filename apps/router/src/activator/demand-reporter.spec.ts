import type { ChainableCommander } from 'ioredis';
import { createLogger } from '@nimbus/logging';
import { DemandReporter } from './demand-reporter';

/** What one pipeline sent, as `command key` strings. */
type Sent = string[];

describe(DemandReporter.name, () => {
  let connected: boolean;
  let failNext: boolean;
  let pipelines: Sent[];
  let reporter: DemandReporter;

  /** A pipeline that records its commands; exec fails when `failNext` was set. */
  const pipeline = () => {
    const sent: Sent = [];
    pipelines.push(sent);
    const failing = failNext;
    failNext = false;
    const fake = {
      hset: (key: string, field: string) => sent.push(`hset ${key} ${field}`),
      hdel: (key: string, field: string) => sent.push(`hdel ${key} ${field}`),
      pexpire: (key: string) => sent.push(`pexpire ${key}`),
      publish: (channel: string, message: string) => sent.push(`publish ${channel} ${message}`),
      exec: () => (failing ? Promise.reject(new Error('READONLY')) : Promise.resolve([])),
    };
    return fake as unknown as ChainableCommander;
  };
  const wakes = () => pipelines.flat().filter((command) => command.startsWith('publish'));

  beforeEach(() => {
    connected = true;
    failNext = false;
    pipelines = [];
    reporter = new DemandReporter({
      pipeline,
      connected: () => connected,
      prefix: 'p:',
      routerId: 'r1',
      logger: createLogger({ service: 'router', level: 'silent' }),
    });
  });

  it('should write the count, then wake the orchestrator, in one pipeline', () => {
    reporter.send('app-1', { held: 2, wake: true });
    expect(pipelines).toEqual([
      ['hset p:demand:app-1 r1', 'pexpire p:demand:app-1', expect.stringMatching(/^publish .*demand:app-1$/)],
    ]);
  });

  it('should send nothing while Redis is away, and the missed wake-up with the next write', () => {
    connected = false;
    reporter.send('app-1', { held: 1, wake: true });
    reporter.send('app-1', { held: 3, wake: false });
    expect(pipelines).toEqual([]);
    connected = true;
    reporter.send('app-1', { held: 3, wake: false });
    expect(pipelines).toHaveLength(1);
    expect(wakes()).toHaveLength(1);
    reporter.send('app-1', { held: 3, wake: false });
    expect(wakes()).toHaveLength(1);
  });

  it('should not wake for an app that holds nothing any more by the time Redis is back', () => {
    connected = false;
    reporter.send('app-1', { held: 1, wake: true });
    reporter.send('app-1', { held: 0, wake: false });
    connected = true;
    reporter.send('app-1', { held: 0, wake: false });
    reporter.send('app-1', { held: 1, wake: false });
    expect(wakes()).toEqual([]);
  });

  it('should send a failed wake-up again with the next write', async () => {
    failNext = true;
    reporter.send('app-1', { held: 1, wake: true });
    await new Promise(setImmediate);
    reporter.send('app-1', { held: 1, wake: false });
    expect(wakes()).toHaveLength(2);
  });
});
