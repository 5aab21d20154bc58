import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAppJson, type AppJson, type RepositoryFacts } from '@nimbus/domain';

const readIfPresent = (path: string) => readFile(path, 'utf8').catch(() => undefined);

/** What the build plan needs from the top of a checked-out commit. */
export async function readRepositoryFacts(
  dir: string,
): Promise<RepositoryFacts & { appJson: AppJson | null }> {
  const files = new Set(await readdir(dir));
  const [procfile, packageJson, appJsonText] = await Promise.all([
    files.has('Procfile') ? readIfPresent(join(dir, 'Procfile')) : undefined,
    files.has('package.json') ? readIfPresent(join(dir, 'package.json')) : undefined,
    files.has('app.json') ? readIfPresent(join(dir, 'app.json')) : undefined,
  ]);
  return {
    files,
    ...(procfile !== undefined ? { procfile } : {}),
    ...(packageJson !== undefined ? { packageJson } : {}),
    appJson: appJsonText !== undefined ? parseAppJson(appJsonText) : null,
  };
}
