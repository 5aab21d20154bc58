import { mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DependencyCache, cachedInstallFor } from './dependency-cache';
import { nodeModulesKey, virtualenvKey } from './dependency-keys';
import { planBuild } from '@nimbus/domain';

describe('dependency caches', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'nimbus-cache-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const keyOf = async (files: Record<string, unknown>, nodeVersion = 'v20.0.0') => {
    const app = await mkdtemp(join(root, 'app-'));
    for (const [name, content] of Object.entries(files))
      await writeFile(join(app, name), typeof content === 'string' ? content : JSON.stringify(content));
    return nodeModulesKey(app, nodeVersion);
  };

  it('should key an app without a lockfile by its dependency fields and the Node.js version', async () => {
    const base = await keyOf({
      'package.json': { name: 'a', dependencies: { ms: '^2.1.0', debug: '4' }, scripts: { start: 'x' } },
    });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    // Key order, scripts, name and version do not change what npm installs.
    expect(
      await keyOf({ 'package.json': { version: '2.0.0', dependencies: { debug: '4', ms: '^2.1.0' } } }),
    ).toBe(base);
    expect(await keyOf({ 'package.json': { dependencies: { ms: '^2.1.0', debug: '5' } } })).not.toBe(base);
    expect(
      await keyOf({
        'package.json': { dependencies: { ms: '^2.1.0', debug: '4' }, overrides: { ms: '2.1.3' } },
      }),
    ).not.toBe(base);
    expect(
      await keyOf({ 'package.json': { dependencies: { ms: '^2.1.0', debug: '4' } } }, 'v22.0.0'),
    ).not.toBe(base);
  });

  it('should key by the lockfile when there is one, and not at all when nothing is installed', async () => {
    const locked = await keyOf({ 'package.json': { dependencies: { ms: '2' } }, 'package-lock.json': '{}' });
    expect(await keyOf({ 'package.json': { dependencies: { ms: '3' } }, 'package-lock.json': '{}' })).toBe(
      locked,
    );
    expect(await keyOf({ 'package.json': { name: 'bare', scripts: { start: 'node .' } } })).toBeNull();
    expect(await keyOf({})).toBeNull();
  });

  it('should keep nothing when the install made no node_modules', async () => {
    const app = await mkdtemp(join(root, 'app-'));
    const cache = new DependencyCache(join(root, 'cache'), 'node_modules');
    await cache.save('k', app);
    expect(await cache.restore('k', app)).toBe(false);
  });

  it('should key a virtualenv by the requirements and the interpreter it links to', async () => {
    const app = await mkdtemp(join(root, 'app-'));
    expect(await virtualenvKey(app)).toBeNull();
    await writeFile(join(app, 'requirements.txt'), 'flask==3.0.0\n');
    const key = await virtualenvKey(app, process.execPath);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await virtualenvKey(app, '/bin/sh')).not.toBe(key);
    await writeFile(join(app, 'requirements.txt'), 'flask==3.0.1\n');
    expect(await virtualenvKey(app, process.execPath)).not.toBe(key);
  });

  it('should skip what a restored tree makes unnecessary, and no more', async () => {
    const app = await mkdtemp(join(root, 'app-'));
    const plan = (files: string[]) =>
      planBuild({ files: new Set([...files, 'Procfile']), procfile: 'web: x' });
    await writeFile(join(app, 'requirements.txt'), 'flask\n');
    const requirements = await cachedInstallFor(plan(['requirements.txt']), app, join(root, 'cache'));
    expect([...(requirements?.skipped ?? [])]).toEqual([
      'create virtualenv',
      'pip install -r requirements.txt',
    ]);
    expect(requirements?.cache.tree).toBe('.venv');
    await rm(join(app, 'requirements.txt'));
    await writeFile(join(app, 'pyproject.toml'), '[project]\nname = "a"\n');
    // The app itself is still installed from the new source: only the virtualenv is reused.
    const project = await cachedInstallFor(plan(['pyproject.toml']), app, join(root, 'cache'));
    expect([...(project?.skipped ?? [])]).toEqual(['create virtualenv']);
    expect(project?.saveAfter).toBe('pip install .');
  });

  it('should restore a saved tree into the next build, links kept as links', async () => {
    const app = await mkdtemp(join(root, 'app-'));
    await mkdir(join(app, '.venv/bin'), { recursive: true });
    await symlink('/usr/bin/python3', join(app, '.venv/bin/python3'));
    const cache = new DependencyCache(join(root, 'cache'), '.venv');
    await cache.save('k', app);
    const next = await mkdtemp(join(root, 'app-'));
    expect(await cache.restore('k', next)).toBe(true);
    expect(await readlink(join(next, '.venv/bin/python3'))).toBe('/usr/bin/python3');
    expect(await cache.restore('other', next)).toBe(false);
  });
});
