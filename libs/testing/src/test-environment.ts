import { z } from 'zod';
import { loadConfig, urlFromEnv } from '@nimbus/config';

const schema = z.object({
  /** Any database on the server the tests may use; each test file gets a database of its own next to it. */
  TEST_DATABASE_URL: urlFromEnv('postgresql:', 'postgres:').default(
    'postgresql://postgres@127.0.0.1:5432/postgres',
  ),
  TEST_REDIS_URL: urlFromEnv('redis:').default('redis://127.0.0.1:6379'),
});

export type TestEnvironment = z.infer<typeof schema>;

export function testEnvironment(): TestEnvironment {
  return loadConfig(schema);
}
