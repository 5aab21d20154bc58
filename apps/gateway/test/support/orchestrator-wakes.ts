import { Redis } from 'ioredis';
import { wakeSubscriptions } from '@nimbus/cluster';
import { testEnvironment } from '@nimbus/testing';
import type { TestGateway } from './test-gateway';

/** The wake-ups a gateway sends the orchestrators (`app:<id>`, `node`, …), as a test hears them. */
export class OrchestratorWakes {
  readonly messages: string[] = [];
  private readonly subscriber = new Redis(testEnvironment().TEST_REDIS_URL);

  static async of(gateway: TestGateway): Promise<OrchestratorWakes> {
    const wakes = new OrchestratorWakes();
    wakes.subscriber.on('message', (_channel: string, message: string) => wakes.messages.push(message));
    await wakes.subscriber.subscribe(wakeSubscriptions.orchestrator(gateway.env.NIMBUS_REDIS_PREFIX));
    return wakes;
  }

  /** Waits up to a second for the app's wake-up, and fails without it. */
  async forApp(appId: string): Promise<void> {
    for (let tries = 0; tries < 50 && !this.messages.includes(`app:${appId}`); tries++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(this.messages).toContain(`app:${appId}`);
  }

  clear(): void {
    this.messages.length = 0;
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
