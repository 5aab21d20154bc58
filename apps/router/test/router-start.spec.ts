import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@nimbus/logging';
import { createTestRedisPrefix, testEnvironment } from '@nimbus/testing';
import { routerConfigSchema } from '../src/router.config';
import { startRouter } from '../src/router';

/** How many sockets and timers this process has open, what would keep it alive, by kind. */
function openResources(): Record<string, number> {
  const open: Record<string, number> = { TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 0 };
  for (const kind of process.getActiveResourcesInfo()) if (kind in open) open[kind]!++;
  return open;
}
/** Nothing of any kind more than `before` (Jest's own timers come and go). */
const noMoreThan = (before: Record<string, number>) =>
  Object.entries(openResources()).every(([kind, count]) => count <= (before[kind] ?? 0));

describe('router start-up', () => {
  const { TEST_REDIS_URL } = testEnvironment();
  const logger = createLogger({ service: 'router', level: 'silent' });
  let taken: Server;

  beforeAll(async () => {
    taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
  });

  afterAll(() => taken.close());

  it('should close what it started when its port is taken, leaving nothing to keep it alive', async () => {
    // Sockets another test file in this worker closed may still be closing: counted now, they
    // would be gone later and read as this test's doing.
    for (let turn = 0; turn < 100 && openResources().TCPSocketWrap! > 0; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const before = openResources();
    const config = routerConfigSchema.parse({
      REDIS_URL: TEST_REDIS_URL,
      // The Node router's own behaviour; HAProxy's part is in edge.spec.ts.
      NIMBUS_EDGE: 'node',
      NIMBUS_REDIS_PREFIX: createTestRedisPrefix(),
      HOST: '127.0.0.1',
      NIMBUS_ROUTER_PORT: String((taken.address() as AddressInfo).port),
      NIMBUS_ROUTER_ADMIN_PORT: '0',
    });
    await expect(startRouter(config, logger)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    // Sockets finish closing on the next turns of the event loop.
    for (let turn = 0; turn < 100 && !noMoreThan(before); turn++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(openResources().TCPSocketWrap).toBeLessThanOrEqual(before.TCPSocketWrap!);
    expect(noMoreThan(before)).toBe(true);
  });
});
