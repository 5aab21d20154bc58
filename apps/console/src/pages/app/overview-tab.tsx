import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { appPath, type AppRef } from '../../api/paths';
import { allows, useRole } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { ProblemMessage } from '../../components/problem';
import { Ago } from '../../components/time';
import { BuildOutput } from './build-output';

export function OverviewTab({ app }: { app: AppRef }) {
  const role = useRole(app.tenant);
  const queries = useQueryClient();
  /** The build whose output is open: null follows the latest, '' is none (the user closed it). */
  const [shownBuild, setShownBuild] = useState<string | null>(null);
  const releases = useQuery({
    queryKey: ['releases', app],
    queryFn: () =>
      must(
        api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/releases', { params: appPath(app) }),
      ),
    refetchInterval: 5000,
  });
  const builds = useQuery({
    queryKey: ['builds', app],
    queryFn: () =>
      must(
        api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds', { params: appPath(app) }),
      ),
    // A push shows up within two seconds; a running build's status follows closely.
    refetchInterval: (query) =>
      query.state.data?.some((build) => build.status === 'queued' || build.status === 'building')
        ? 1000
        : 2000,
  });
  const rollback = useMutation({
    mutationFn: (version: number) =>
      must(
        api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/rollback', {
          params: appPath(app),
          body: { version },
        }),
      ),
    onSettled: () => queries.invalidateQueries({ queryKey: ['releases', app] }),
  });
  // The latest build's output is open unless the user chose another (or none).
  const followed = shownBuild ?? builds.data?.[0]?.id ?? null;

  return (
    <div className="columns">
      <section aria-labelledby="releases-heading">
        <h2 id="releases-heading">Releases</h2>
        <ProblemMessage error={releases.error ?? rollback.error} />
        {releases.data?.length === 0 && <p>No release yet: push the app with git to deploy it.</p>}
        <ol className="releases">
          {releases.data?.map((release) => (
            <li key={release.version} className={release.current ? 'current' : undefined}>
              <strong>v{release.version}</strong> {release.description}{' '}
              {release.current && <span className="badge">current</span>}
              <div className="meta">
                <Ago at={release.createdAt} />
                {release.actor && <> by {release.actor}</>}
              </div>
              {!release.current && allows(role, 'developer') && (
                <ConfirmButton
                  label={`Roll back to v${release.version}`}
                  title={`Roll back to v${release.version}?`}
                  onConfirm={() => rollback.mutateAsync(release.version)}
                >
                  <p>
                    A new release is made with v{release.version}&apos;s build and config, and rolled out
                    instance by instance.
                  </p>
                </ConfirmButton>
              )}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="builds-heading">
        <h2 id="builds-heading">Builds</h2>
        <ProblemMessage error={builds.error} />
        {builds.data?.length === 0 && <p>No build yet.</p>}
        <ul className="builds">
          {builds.data?.map((build) => (
            <li key={build.id}>
              <span className={`state state-${build.status}`}>{build.status}</span>{' '}
              <code>{build.commit.slice(0, 7)}</code> {build.stack ?? ''}{' '}
              {build.releaseVersion !== null && <>→ v{build.releaseVersion} </>}
              <Ago at={build.createdAt} />{' '}
              <button
                type="button"
                aria-expanded={followed === build.id}
                onClick={() => setShownBuild(followed === build.id ? '' : build.id)}
              >
                {followed === build.id ? 'Hide output' : 'Show output'}
              </button>
              {build.failureReason && <p className="problem">{build.failureReason}</p>}
              {followed === build.id && <BuildOutput app={app} build={build.id} />}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
