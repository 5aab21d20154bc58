import type { InstanceStatus } from '@nimbus/cluster';
import { ControlPlaneError } from './control-plane';
import { StatusSender } from './status-sender';

const status = (phase: InstanceStatus['phase'], ready = false): InstanceStatus => ({
  phase,
  ready,
  restarts: 0,
  exitCode: null,
  reason: null,
  message: null,
  lastFailure: null,
  port: 20000,
  usage: null,
});

/** A control plane that records what it is sent and answers when the test says. */
function controlPlane() {
  const sent: { id: string; phase: string; ready: boolean }[] = [];
  const waiting: { settle: (error?: Error) => void }[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let hold = false;
  let fail: Error | null = null;
  return {
    sent,
    waiting,
    get mostInFlight() {
      return mostInFlight;
    },
    hold: (value: boolean) => (hold = value),
    failWith: (error: Error | null) => (fail = error),
    reportStatus(id: string, reported: InstanceStatus): Promise<void> {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      return new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          inFlight -= 1;
          if (error) return reject(error);
          sent.push({ id, phase: reported.phase, ready: reported.ready });
          resolve();
        };
        if (hold) waiting.push({ settle });
        else setImmediate(() => settle(fail ?? undefined));
      });
    },
  };
}

const settleAll = (plane: ReturnType<typeof controlPlane>) => {
  for (const { settle } of plane.waiting.splice(0)) settle();
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(StatusSender.name, () => {
  it('should send a report at once, without waiting for a flush', async () => {
    const plane = controlPlane();
    const sender = new StatusSender(plane);

    sender.report('i1', status('running', true));
    await tick();
    await tick();

    expect(plane.sent).toEqual([{ id: 'i1', phase: 'running', ready: true }]);
  });

  it('should send one send at a time, instances side by side, and only the latest of each', async () => {
    const plane = controlPlane();
    plane.hold(true);
    const sender = new StatusSender(plane);

    sender.report('i1', status('starting'));
    sender.report('i2', status('starting'));
    await tick();
    // While the first send waits: i1 changes twice, and only its latest goes, after the first send.
    sender.report('i1', status('running'));
    sender.report('i1', status('running', true));
    await tick();
    expect(plane.waiting).toHaveLength(2);
    settleAll(plane);
    await tick();
    settleAll(plane);
    await sender.flush();

    expect(plane.mostInFlight).toBe(2);
    expect(plane.sent).toEqual([
      { id: 'i1', phase: 'starting', ready: false },
      { id: 'i2', phase: 'starting', ready: false },
      { id: 'i1', phase: 'running', ready: true },
    ]);
  });

  it('should try again on flush what failed, unless newer news came', async () => {
    const plane = controlPlane();
    const sender = new StatusSender(plane);
    plane.failWith(new Error('connection refused'));
    sender.report('i1', status('starting'));
    sender.report('i2', status('starting'));
    await sender.flush();
    expect(plane.sent).toEqual([]);

    plane.failWith(null);
    sender.report('i2', status('running', true));
    await sender.flush();

    expect(plane.sent).toEqual([
      { id: 'i1', phase: 'starting', ready: false },
      { id: 'i2', phase: 'running', ready: true },
    ]);
  });

  it('should drop a status the control plane no longer has an instance for', async () => {
    const plane = controlPlane();
    const sender = new StatusSender(plane);
    plane.failWith(new ControlPlaneError(404, '404: no such instance on this node'));
    sender.report('gone', status('exited'));
    await sender.flush();

    plane.failWith(null);
    await sender.flush();

    expect(plane.sent).toEqual([]);
  });
});
