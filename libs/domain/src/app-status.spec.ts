import { appStatus, type AppStatusFacts } from './app-status';

const running: AppStatusFacts = {
  deployed: true,
  rollout: 'complete',
  wanted: 2,
  idle: false,
  ready: 2,
  crashed: false,
};

describe(appStatus.name, () => {
  it('should call an app without a release undeployed, whatever else it has', () => {
    expect(appStatus({ ...running, deployed: false })).toBe('undeployed');
  });

  it('should call an app running once as many instances are ready as wanted', () => {
    expect(appStatus(running)).toBe('running');
    expect(appStatus({ ...running, rollout: null, ready: 3 })).toBe('running');
  });

  it('should call it starting while fewer are ready', () => {
    expect(appStatus({ ...running, ready: 1 })).toBe('starting');
    expect(appStatus({ ...running, ready: 0 })).toBe('starting');
  });

  it('should put a rollout under way before anything else', () => {
    expect(appStatus({ ...running, rollout: 'progressing', ready: 0, crashed: true })).toBe('deploying');
  });

  it('should call it crashed when an instance crash-loops or its rollout failed', () => {
    expect(appStatus({ ...running, crashed: true })).toBe('crashed');
    expect(appStatus({ ...running, rollout: 'failed' })).toBe('crashed');
  });

  it('should tell idle (scaled to zero for want of requests) from stopped (scaled to zero by hand)', () => {
    expect(appStatus({ ...running, wanted: 0, ready: 0, idle: true })).toBe('idle');
    expect(appStatus({ ...running, wanted: 0, ready: 0 })).toBe('stopped');
  });
});
