import { prepareTemplateDatabase, testEnvironment } from '@nimbus/testing';

/** Builds the migrated template database once, before any test file clones it. */
export default async function globalSetup(): Promise<void> {
  await prepareTemplateDatabase(testEnvironment().TEST_DATABASE_URL);
}
