import { webEndpoints, type WebInstance } from './web-endpoints';

const node = { address: '10.0.0.7', ready: true };
const instance = (id: string, change: Partial<WebInstance> = {}): WebInstance => ({
  id,
  phase: 'running',
  ready: true,
  port: 4100,
  node,
  ...change,
});

describe('webEndpoints', () => {
  it('should route to ready running instances on ready nodes only', () => {
    const table = webEndpoints([
      instance('a'),
      instance('b', { node: { ...node, ready: false } }),
      instance('c', { port: null, ready: false, phase: 'pending' }),
    ]);
    expect(table.endpoints).toEqual([{ instanceId: 'a', host: '10.0.0.7', port: 4100 }]);
  });

  it.each<[string, Partial<WebInstance>]>([
    ['placed and pending', { phase: 'pending', ready: false, port: null }],
    ['starting', { phase: 'starting', ready: false }],
    ['running, not yet ready', { ready: false }],
  ])('should call an app starting when an instance is %s', (_, change) => {
    expect(webEndpoints([instance('a', change)])).toEqual({ endpoints: [], starting: true });
  });

  it.each<[string, Partial<WebInstance>]>([
    ['crash looping', { phase: 'crashloop', ready: false }],
    ['placed on no node', { phase: 'pending', ready: false, node: null }],
    ['on a node that is not ready', { phase: 'starting', ready: false, node: { ...node, ready: false } }],
    ['exited', { phase: 'exited', ready: false }],
  ])('should not call an app starting when its instance is %s', (_, change) => {
    expect(webEndpoints([instance('a', change)]).starting).toBe(false);
  });
});
