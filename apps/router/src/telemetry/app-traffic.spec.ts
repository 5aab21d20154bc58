import { latencyBucket } from '@nimbus/metrics';
import { AppTraffic } from './app-traffic';

describe(AppTraffic.name, () => {
  let now: number;
  let traffic: AppTraffic;

  beforeEach(() => {
    now = 0;
    traffic = new AppTraffic(() => now);
  });

  it('should average the requests in flight over the period, however short they were', () => {
    traffic.started('a');
    now = 250;
    traffic.started('a');
    now = 300;
    traffic.ended('a', 300);
    now = 1000;
    // 1 over [0, 250), 2 over [250, 300), 1 over [300, 1000): 0.25 + 0.1 + 0.7
    const [second] = traffic.take();
    expect(second?.appId).toBe('a');
    expect(second?.concurrency).toBeCloseTo(1.05);
    expect(second?.requests).toBe(1);
    expect(second?.latency[latencyBucket(300)]).toBe(1);
  });

  it('should carry a request in flight into the next period and forget an app once idle', () => {
    traffic.started('a');
    now = 1000;
    traffic.take();
    now = 1500;
    traffic.ended('a', 1500);
    now = 2000;
    expect(traffic.take()).toEqual([expect.objectContaining({ appId: 'a', concurrency: 0.5, requests: 1 })]);
    now = 3000;
    expect(traffic.take()).toEqual([]);
  });

  it('should count an exchange without a duration as a request but not time it', () => {
    traffic.started('ws');
    now = 500;
    traffic.ended('ws');
    now = 1000;
    const [second] = traffic.take();
    expect(second?.requests).toBe(1);
    expect(second?.latency.every((count) => count === 0)).toBe(true);
  });
});
