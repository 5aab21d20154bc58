import type { RunLimits } from '@nimbus/sandbox';
import { BuildFailedError } from '../pipeline/build-commit';
import type { StepRunner } from '../pipeline/step-runner';

export interface ReleasePhaseOptions {
  command: string;
  /** The built app, as the image holds it at /app; removed after the build, image written. */
  appDir: string;
  /** The release's environment: the app's config and secrets, and the NIMBUS_* variables. */
  env: Record<string, string>;
  limits: RunLimits;
  runStep: StepRunner;
  log: (line: string) => void;
}

/**
 * Runs the Procfile's `release` command once, as Heroku does, before the release goes live; a
 * failure is the pusher's to fix and keeps the previous release current. It runs on the built
 * tree after the image was written, so what it writes under /app is gone with the build and
 * never seen by instances (as on Heroku's ephemeral filesystem).
 */
export async function runReleasePhase({
  command,
  appDir,
  env,
  limits,
  runStep,
  log,
}: ReleasePhaseOptions): Promise<void> {
  log(`-----> Running release command: ${command}`);
  const app = runStep.appPath(appDir);
  const result = await runStep.run({
    command: ['sh', '-c', command],
    appDir,
    writable: [],
    env: {
      ...env,
      PATH: [`${app}/node_modules/.bin`, `${app}/.venv/bin`, process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    },
    limits,
    onLine: (line) => log(`       ${line}`),
  });
  if (result.timedOut)
    throw new BuildFailedError(`the release command took longer than ${limits.timeoutMs / 1000}s`);
  if (result.oomKilled) throw new BuildFailedError('the release command ran out of memory');
  if (result.exitCode !== 0)
    throw new BuildFailedError(
      `the release command failed (exit ${result.exitCode ?? result.signal}); the previous release stays current`,
    );
}
