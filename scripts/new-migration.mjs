#!/usr/bin/env node
// Writes prisma/migrations/<timestamp>_<name>/ with the SQL that takes the previous migration's
// schema snapshot to prisma/schema.prisma. Prisma's own `migrate dev` needs its native engine,
// which cannot be installed offline; `migrate diff` between two datamodels runs on WASM.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('error: usage: npm run migration:new -- <snake_case_name>');
  process.exit(1);
}
const dir = 'prisma/migrations';
const previous = readdirSync(dir)
  .filter((d) => existsSync(join(dir, d, 'schema.prisma')))
  .sort()
  .at(-1);
const from = previous ? ['--from-schema-datamodel', join(dir, previous, 'schema.prisma')] : ['--from-empty'];
const sql = execFileSync(
  'npx',
  ['prisma', 'migrate', 'diff', ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
).toString();
if (!/^\s*(CREATE|ALTER|DROP)/m.test(sql)) {
  console.error('error: prisma/schema.prisma has no changes since the last migration');
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const target = join(dir, `${stamp}_${name}`);
mkdirSync(target);
writeFileSync(join(target, 'migration.sql'), sql);
copyFileSync('prisma/schema.prisma', join(target, 'schema.prisma'));
console.log(`wrote ${target}/migration.sql`);
