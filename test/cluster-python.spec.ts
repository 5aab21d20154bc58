import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCluster } from './support/cluster';
import { namespaceCalls } from './support/namespace-calls';
import {
  DEBIAN_SETUPTOOLS_ENV,
  debianWheels,
  pyprojectApp,
  requirementsApp,
  startPackageIndex,
  tinyserveWheel,
  type PackageIndex,
  type GitResult,
} from '@nimbus/testing';

/** What the apps' page reports (see `inspectingApp` in libs/testing/src/python-apps.ts). */
interface Page {
  cwd: string;
  home: string;
  prefix: string;
  releasedMarker: boolean;
  canWriteApp: true | string;
  version: string;
  extra: string | null;
}

type Runtime = 'process' | 'oci';

const KINDS = {
  requirements: { files: requirementsApp, extra: null },
  pyproject: { files: pyprojectApp, extra: '0.1.0' },
} as const;

/**
 * Python apps deployed with `git push` through the whole platform (builder, orchestrator, agent,
 * router), their packages coming from a package index this test serves on loopback: a
 * virtualenv built at /app runs there under both runtimes, with the app's console-script server.
 */
describe('Python apps end to end', () => {
  let cluster: TestCluster;
  let index: PackageIndex;
  let work: string;
  let token: string;
  const calls = namespaceCalls(() => ({ cluster, token, work }), 'acme', 'prod');
  const { api, at, host } = calls;

  /** Pushes `files` as a new commit of `app`; the push's output is the failure message. */
  const push = async (app: string, files: Record<string, string>): Promise<GitResult> => {
    const pushed = await calls.push(app, files);
    expect(pushed.code === 0 || pushed.output).toBe(true);
    return pushed;
  };
  const page = async (app: string): Promise<Page> => {
    const response = await cluster.get(host(app));
    if (response.status !== 200) throw new Error(`${response.status}: ${response.body}`);
    return JSON.parse(response.body) as Page;
  };
  /** Waits until the router serves `version` of `app`, and returns its page. */
  const serving = async (app: string, version: string): Promise<Page> => {
    await cluster.until(
      `${app} to serve ${version}`,
      async () => (await page(app)).version === version,
      60_000,
    );
    return page(app);
  };

  beforeAll(async () => {
    index = await startPackageIndex([tinyserveWheel(), ...(await debianWheels(['setuptools', 'wheel']))]);
    cluster = await TestCluster.start();
    await cluster.addAgent('node-a');
    work = await mkdtemp(join(tmpdir(), 'nimbus-python-'));
    ({ ownerToken: token } = await cluster.seed('acme', { prod: [] }));
    for (const kind of Object.keys(KINDS)) {
      for (const runtime of ['process', 'oci'] as const) {
        const app = `${kind}-${runtime}`;
        await api().POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
          params: { path: { tenant: 'acme', namespace: 'prod' } },
          body: { name: app, runtime },
        });
        // Build steps see the app's config: this is how pip finds the test's index.
        await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
          params: { path: at(app) },
          body: {
            set: { PIP_INDEX_URL: index.url, PIP_DISABLE_PIP_VERSION_CHECK: '1', ...DEBIAN_SETUPTOOLS_ENV },
          },
        });
      }
    }
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await index?.close();
    await rm(work, { recursive: true, force: true });
  });

  it.each([
    ['requirements', 'process'],
    ['requirements', 'oci'],
    ['pyproject', 'process'],
    ['pyproject', 'oci'],
  ] as [keyof typeof KINDS, Runtime][])(
    'should serve a %s app, built into a virtualenv at /app, under the %s runtime',
    async (kind, runtime) => {
      const app = `${kind}-${runtime}`;
      const { files, extra } = KINDS[kind];
      const first = await push(app, files('v1'));
      expect(first.output).toContain('remote: -----> Python app detected');
      if (kind === 'requirements')
        expect(first.output).toContain('remote: -----> Running release command: touch /app/released-marker');
      expect(index.downloads).toContain('tinyserve-1.0.0-py3-none-any.whl');

      const shown = await serving(app, 'v1');
      // The oci runtime shows the image at /; the process runtime runs in the instance's own copy
      // of it, with the image's paths (working directory, environment, shebangs) mapped onto it.
      const appDir = runtime === 'oci' ? '/app' : shown.cwd;
      if (runtime === 'process') expect(appDir).toMatch(/^\/.+\/app$/);
      expect(shown).toEqual({
        cwd: appDir,
        home: appDir,
        prefix: `${appDir}/.venv`,
        // The release phase wrote it, and instances never see what the release phase writes.
        releasedMarker: false,
        canWriteApp: true,
        version: 'v1',
        extra,
      });

      // A warm push: same dependencies, new code.
      const warm = await push(app, { 'version.txt': 'v2' });
      // The virtualenv from the first build, restored at the same /app path its scripts name.
      expect(warm.output).toContain('remote: -----> Restoring cached dependencies (.venv)');
      expect(await serving(app, 'v2')).toMatchObject({ version: 'v2', canWriteApp: true });
    },
    300_000,
  );
});
