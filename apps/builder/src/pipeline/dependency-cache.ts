import { randomBytes } from 'node:crypto';
import { access, cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildPlan } from '@nimbus/domain';
import { nodeModulesKey, virtualenvKey } from './dependency-keys';

/**
 * One installed dependency tree (`node_modules`, `.venv`) kept per app: a push whose
 * dependencies did not change restores the same tree instead of installing again, which is what
 * makes a warm build fast. Builds run at /app, so absolute paths inside a tree (a virtualenv's
 * scripts) are still right when it is restored into the next build.
 */
export class DependencyCache {
  constructor(
    private readonly dir: string,
    /** The tree's name in the app's directory. */
    readonly tree: string,
  ) {}

  /** Copies the cached tree into the app; false when there is none for this key. */
  async restore(key: string, appDir: string): Promise<boolean> {
    const cached = join(this.dir, key);
    if (!(await exists(cached))) return false;
    await cp(cached, join(appDir, this.tree), { recursive: true, verbatimSymlinks: true });
    return true;
  }

  /** Keeps the app's freshly installed tree under `key`, replacing older trees of this app. */
  async save(key: string, appDir: string): Promise<void> {
    // npm creates no node_modules when there is nothing to install: nothing to keep either.
    if (!(await exists(join(appDir, this.tree)))) return;
    await mkdir(this.dir, { recursive: true });
    const staging = join(this.dir, `.staging-${randomBytes(4).toString('hex')}`);
    await cp(join(appDir, this.tree), staging, { recursive: true, verbatimSymlinks: true });
    await rm(join(this.dir, key), { recursive: true, force: true });
    await rename(staging, join(this.dir, key));
    // One tree per app is enough: an older lockfile's tree is unlikely to come back.
    for (const entry of await readdir(this.dir)) {
      if (entry !== key && !entry.startsWith('.staging-'))
        await rm(join(this.dir, entry), { recursive: true, force: true });
    }
  }
}

/** How one build uses its app's dependency cache. */
export interface CachedInstall {
  cache: DependencyCache;
  key: string;
  /** Steps that a restored tree makes unnecessary. */
  skipped: ReadonlySet<string>;
  /** The step after which the tree is complete, and kept. */
  saveAfter: string;
}

/**
 * The dependency cache of a build plan, if its stack has one: node_modules (the install steps are
 * skipped on a hit; build and prune still run), or the virtualenv (with requirements.txt nothing
 * is left to run; with pyproject.toml, `pip install .` still installs the app itself, quickly,
 * since its dependencies are there).
 */
export async function cachedInstallFor(
  plan: BuildPlan,
  appDir: string,
  cacheDir: string,
): Promise<CachedInstall | null> {
  const names = plan.steps.map((step) => step.name);
  if (plan.stack === 'node') {
    const key = await nodeModulesKey(appDir);
    const install = names.find((name) => name === 'npm ci' || name === 'npm install');
    if (!key || !install) return null;
    const cache = new DependencyCache(join(cacheDir, 'node_modules'), 'node_modules');
    return { cache, key, skipped: new Set([install]), saveAfter: install };
  }
  if (plan.stack === 'python') {
    const key = await virtualenvKey(appDir);
    const last = names.at(-1);
    if (!key || !last) return null;
    const cache = new DependencyCache(join(cacheDir, 'virtualenv'), '.venv');
    const skipped = names.filter((name) => name === 'create virtualenv' || name.startsWith('pip install -r'));
    return { cache, key, skipped: new Set(skipped), saveAfter: last };
  }
  return null;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
