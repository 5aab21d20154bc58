import { appStatus, type AppStatusFacts } from './app-status';

const running: AppStatusFacts = {
  deployed: true,
  rollout: 'complete',
  formations: [{ replicas: 2, idle: false }],
  services: [
    { ready: true, crashed: false },
    { ready: true, crashed: false },
  ],
};

describe(appStatus.name, () => {
  it('should call an app without a release undeployed, whatever else it has', () => {
    expect(appStatus({ ...running, deployed: false })).toBe('undeployed');
  });

  it('should call an app running once as many instances are ready as wanted', () => {
    expect(appStatus(running)).toBe('running');
    expect(appStatus({ ...running, rollout: null })).toBe('running');
  });

  it('should call it starting while fewer are ready', () => {
    expect(appStatus({ ...running, services: [{ ready: true, crashed: false }] })).toBe('starting');
    expect(appStatus({ ...running, services: [] })).toBe('starting');
  });

  it('should put a rollout under way before anything else', () => {
    expect(
      appStatus({ ...running, rollout: 'progressing', services: [{ ready: false, crashed: true }] }),
    ).toBe('deploying');
  });

  it('should call it crashed when an instance crash-loops or its rollout failed', () => {
    expect(appStatus({ ...running, services: [...running.services, { ready: false, crashed: true }] })).toBe(
      'crashed',
    );
    expect(appStatus({ ...running, rollout: 'failed' })).toBe('crashed');
  });

  it('should tell idle (scaled to zero for want of requests) from stopped (scaled to zero by hand)', () => {
    const none = { ...running, services: [] };
    expect(appStatus({ ...none, formations: [{ replicas: 0, idle: true }] })).toBe('idle');
    expect(appStatus({ ...none, formations: [{ replicas: 0, idle: false }] })).toBe('stopped');
    expect(appStatus({ ...none, formations: [] })).toBe('stopped');
  });
});
