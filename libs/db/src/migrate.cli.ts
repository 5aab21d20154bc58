import { z } from 'zod';
import { loadConfig, urlFromEnv } from '@nimbus/config';
import { createLogger } from '@nimbus/logging';
import { applyMigrations, ensureDatabase } from './migrate';

/** `npm run migrate`: creates the database if needed and applies every pending migration. */
async function main(): Promise<void> {
  const logger = createLogger({ service: 'migrate' });
  const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: urlFromEnv('postgresql:', 'postgres:') }));
  if (await ensureDatabase(DATABASE_URL)) logger.info('created database');
  const applied = await applyMigrations(DATABASE_URL, { log: (line) => logger.info(line) });
  logger.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'database is up to date');
  logger.flush();
}

main().catch((error: Error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});
