import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR, applyMigrations } from '@nimbus/db';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

async function admin<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The template's name changes with the migrations, so a stale template is never reused. */
function templateName(): string {
  const hash = createHash('sha256');
  for (const dir of readdirSync(MIGRATIONS_DIR).sort())
    hash.update(dir).update(readFileSync(join(MIGRATIONS_DIR, dir, 'migration.sql')));
  return `nimbus_test_template_${hash.digest('hex').slice(0, 12)}`;
}

/** Once per test run: a database with every migration applied, cloned by each test file. */
export async function prepareTemplateDatabase(serverUrl: string): Promise<string> {
  const name = templateName();
  await admin(serverUrl, async (client) => {
    // Serialise concurrent test runs building the same template.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      const building = `${name}_building_${randomBytes(3).toString('hex')}`;
      await client.query(`CREATE DATABASE "${building}"`);
      await applyMigrations(withDatabase(serverUrl, building));
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    }
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
  });
  return name;
}

/** A fresh, migrated database for one test file; `drop()` removes it. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const template = await prepareTemplateDatabase(serverUrl);
  const name = `nimbus_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: () =>
      admin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
