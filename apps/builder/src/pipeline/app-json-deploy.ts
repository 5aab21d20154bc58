import { appJsonFormation, describeFormation, type AppJson, type FormationRequest } from '@nimbus/domain';

/** What app.json says about the app's first deploy, carried from the build to its release. */
export interface DeployFacts {
  /** Replicas and memory per process type, for the app's first formations. */
  formation: Record<string, FormationRequest>;
  /** `scripts.postdeploy`: run once, as a one-off, after the app's first deploy. */
  postdeploy: string | null;
}

/**
 * Reads app.json's formation and postdeploy script for the build. Throws a message for the
 * pusher when a size or quantity is wrong; types the app does not define are only warned about,
 * as Heroku ignores them too.
 */
export function appJsonDeployFacts(
  appJson: AppJson | null,
  processTypes: Record<string, string>,
  log: (line: string) => void,
): DeployFacts {
  if (!appJson) return { formation: {}, postdeploy: null };
  const formation = appJsonFormation(appJson);
  for (const type of Object.keys(formation)) {
    if (type in processTypes && type !== 'release') continue;
    log(` !     app.json formation names ${type}, which is not a process type of this app; ignored`);
    delete formation[type];
  }
  if (Object.keys(formation).length)
    log(`-----> app.json formation: ${describeFormation(formation)} (applied on the app's first deploy)`);
  const postdeploy = appJson.scripts?.postdeploy ?? null;
  return { formation, postdeploy };
}
