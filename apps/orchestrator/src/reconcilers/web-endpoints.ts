import type { Endpoint } from '@nimbus/cluster';

/** What the routers' entry needs of one of an app's `web` instances meant to serve. */
export interface WebInstance {
  id: string;
  phase: 'pending' | 'starting' | 'running' | 'crashloop' | 'exited' | 'failed' | 'lost';
  ready: boolean;
  port: number | null;
  node: { address: string; ready: boolean } | null;
}

export interface WebEndpoints {
  endpoints: Endpoint[];
  /**
   * Some instance on a ready node is on its way to ready (being started, or running and not yet
   * passing its readiness check): a request finding no endpoint may be held for it rather than
   * refused, as Heroku's router queues requests while dynos boot. A crash loop or an instance no
   * node could take is not on its way.
   */
  starting: boolean;
}

export function webEndpoints(instances: readonly WebInstance[]): WebEndpoints {
  const endpoints: Endpoint[] = [];
  let starting = false;
  for (const instance of instances) {
    if (!instance.node?.ready) continue;
    if (instance.phase === 'running' && instance.ready && instance.port !== null)
      endpoints.push({ instanceId: instance.id, host: instance.node.address, port: instance.port });
    else if (instance.phase === 'pending' || instance.phase === 'starting' || instance.phase === 'running')
      starting = true;
  }
  return { endpoints, starting };
}
