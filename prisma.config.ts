import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// Prisma's native engines cannot be downloaded here, and Nimbus needs none of them: the client
// is the Rust-free one (WASM query compiler + pg driver adapter) and the CLI's schema work runs
// on WASM. The CLI still checks for a query engine library before generating; pointing it at any
// existing file satisfies that check without a download.
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= __filename;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  // `migrate diff` connects even when diffing from empty; any reachable database will do.
  adapter: async () =>
    new PrismaPg({
      connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    }),
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
