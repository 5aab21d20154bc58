import { randomBytes } from 'node:crypto';

/** A key prefix no other test file shares, so runs and files never see each other's keys. */
export function createTestRedisPrefix(): string {
  return `nimbus-test:${randomBytes(6).toString('hex')}:`;
}
