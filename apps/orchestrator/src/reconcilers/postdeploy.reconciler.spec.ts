import type { Instance } from '@nimbus/db';
import { postdeployEnd } from './postdeploy.reconciler';

const record = { id: 'p1', instanceId: 'i1', status: 'running', command: 'node seed.js', releaseVersion: 1 };
const now = new Date('2026-01-01T00:00:00.000Z');
const finishedAt = new Date('2025-12-31T23:59:00.000Z');
const oneOff = (overrides: Partial<Instance>) =>
  ({ phase: 'exited', exitCode: 0, reason: null, message: null, finishedAt, ...overrides }) as Instance;

describe(postdeployEnd.name, () => {
  it('should wait while its one-off runs', () => {
    expect(postdeployEnd(record, oneOff({ phase: 'running', exitCode: null }), now)).toBeNull();
  });

  it('should succeed when its one-off exited 0', () => {
    expect(postdeployEnd(record, oneOff({}), now)).toEqual({
      end: { status: 'succeeded', exitCode: 0, finishedAt },
      note: { type: 'Normal', reason: 'PostdeploySucceeded', message: 'app.json postdeploy succeeded (v1)' },
    });
  });

  it('should fail, saying how, when its one-off failed or is gone', () => {
    const failed = postdeployEnd(record, oneOff({ exitCode: 1, reason: 'OOMKilled' }), now);
    expect(failed?.end.status).toBe('failed');
    expect(failed?.note.message).toBe(
      'app.json postdeploy failed (exit 1, OOMKilled): node seed.js; its output: logs --type postdeploy. It is not run again',
    );
    const gone = postdeployEnd(record, null, now);
    expect(gone?.end).toEqual({ status: 'failed', exitCode: null, finishedAt: now });
    expect(gone?.note.message).toContain('its instance is gone, so how it ended is unknown');
  });
});
