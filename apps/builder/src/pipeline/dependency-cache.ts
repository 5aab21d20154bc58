import { createHash, randomBytes } from 'node:crypto';
import { access, cp, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

/**
 * node_modules kept per app and lockfile: a push whose lockfile did not change skips the install
 * and restores the same tree, which is what makes a warm build fast. Installs without a lockfile
 * are never cached: their result is not determined by the commit.
 */
export class NodeModulesCache {
  constructor(private readonly dir: string) {}

  /** The lockfile's digest, or null when the app has none. */
  async keyFor(appDir: string): Promise<string | null> {
    for (const name of LOCKFILES) {
      const text = await readFile(join(appDir, name)).catch(() => null);
      if (text) return createHash('sha256').update(name).update(text).digest('hex');
    }
    return null;
  }

  /** Copies the cached tree into the app; false when there is none for this key. */
  async restore(key: string, appDir: string): Promise<boolean> {
    const cached = join(this.dir, key);
    try {
      await access(cached);
    } catch {
      return false;
    }
    await cp(cached, join(appDir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    return true;
  }

  /** Keeps the app's freshly installed tree under `key`, replacing older trees of this app. */
  async save(key: string, appDir: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const staging = join(this.dir, `.staging-${randomBytes(4).toString('hex')}`);
    await cp(join(appDir, 'node_modules'), staging, { recursive: true, verbatimSymlinks: true });
    await rm(join(this.dir, key), { recursive: true, force: true });
    await rename(staging, join(this.dir, key));
    // One tree per app is enough: an older lockfile's tree is unlikely to come back.
    for (const entry of await readdir(this.dir)) {
      if (entry !== key && !entry.startsWith('.staging-'))
        await rm(join(this.dir, entry), { recursive: true, force: true });
    }
  }
}
