import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR, applyMigrations } from '@nimbus/db';
import { createTestDatabase, testEnvironment, type TestDatabase } from '@nimbus/testing';

const ROOT = resolve(__dirname, '..');

/** The schema as pg_dump sees it, less the migration ledger and pg_dump's own varying header. */
function schemaOf(url: string): string {
  return execFileSync('pg_dump', [
    '--schema-only',
    '--no-owner',
    '--no-privileges',
    '--exclude-table=_nimbus_migrations',
    url,
  ])
    .toString()
    .split('\n')
    .filter(
      (line) => !line.startsWith('--') && !line.startsWith('\\restrict') && !line.startsWith('\\unrestrict'),
    )
    .join('\n');
}

/** pg_dump's blocks (blank-line separated) that define the app list's triggers, and the rest. */
function splitAppListTriggers(schema: string): [string, string] {
  const blocks = schema.split(/\n{2,}/);
  const isTrigger = (block: string) => block.includes('nimbus_app_list');
  return [blocks.filter((block) => !isTrigger(block)).join('\n\n'), blocks.filter(isTrigger).join('\n\n')];
}

async function emptyDatabase(): Promise<TestDatabase> {
  const { TEST_DATABASE_URL } = testEnvironment();
  const database = await createTestDatabase(TEST_DATABASE_URL);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await client.end();
  return database;
}

describe('migrations', () => {
  const databases: TestDatabase[] = [];
  afterAll(() => Promise.all(databases.map((database) => database.drop())));

  it('should reproduce prisma/schema.prisma exactly', async () => {
    const migrated = await emptyDatabase();
    const fromSchema = await emptyDatabase();
    databases.push(migrated, fromSchema);
    await applyMigrations(migrated.url);

    const script = execFileSync(
      'npx',
      [
        'prisma',
        'migrate',
        'diff',
        '--from-empty',
        '--to-schema-datamodel',
        'prisma/schema.prisma',
        '--script',
      ],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: fromSchema.url } },
    ).toString();
    const client = new Client({ connectionString: fromSchema.url });
    await client.connect();
    await client.query(script);
    await client.end();

    const expected = schemaOf(fromSchema.url);
    expect(expected).toContain('CREATE TABLE public."ConfigEntry"');
    // The app list's change triggers live in the database only: Prisma's schema cannot say them.
    const [tables, triggers] = splitAppListTriggers(schemaOf(migrated.url));
    expect(tables).toBe(splitAppListTriggers(expected)[0]);
    expect(triggers).toContain('CREATE FUNCTION public.nimbus_app_list_changed()');
    expect(triggers.match(/CREATE TRIGGER nimbus_app_list_/g)).toHaveLength(6);
  });

  it('should apply nothing twice and refuse an edited migration', async () => {
    const database = await emptyDatabase();
    databases.push(database);
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const first = await applyMigrations(database.url, { dir });
      expect(first.length).toBeGreaterThan(0);
      expect(await applyMigrations(database.url, { dir })).toEqual([]);

      const added = join(dir, '99990101000000_extra');
      cpSync(join(dir, first[0]!), added, { recursive: true });
      writeFileSync(join(added, 'migration.sql'), 'CREATE TABLE extra (id int);');
      expect(await applyMigrations(database.url, { dir })).toEqual(['99990101000000_extra']);

      appendFileSync(join(dir, first[0]!, 'migration.sql'), '\n-- edited');
      await expect(applyMigrations(database.url, { dir })).rejects.toThrow(/was edited after it was applied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should roll back a failing migration whole', async () => {
    const database = await emptyDatabase();
    databases.push(database);
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-migrations-'));
    try {
      const broken = join(dir, '00000000000000_broken');
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      cpSync(join(dir, '20261122000000_foundation'), broken, { recursive: true });
      writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE half (id int); SELECT no_such_function();');
      await expect(applyMigrations(database.url, { dir })).rejects.toThrow(/00000000000000_broken failed/);
      const client = new Client({ connectionString: database.url });
      await client.connect();
      const { rowCount } = await client.query("SELECT 1 FROM pg_tables WHERE tablename = 'half'");
      await client.end();
      expect(rowCount).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
