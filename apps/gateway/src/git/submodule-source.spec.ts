import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { submoduleDir } from './submodule-source';

describe(submoduleDir.name, () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'nimbus-submodule-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('should place a submodule at its plain path inside the tree', async () => {
    await mkdir(join(root, 'vendor'));
    expect(await submoduleDir(root, 'vendor/lib')).toBe(join(root, 'vendor/lib'));
  });

  it('should refuse a path that climbs out, names .git, or passes through a link', async () => {
    for (const path of ['a/../../x', '../x', './x', 'a//b', '.git/hooks', 'a/.GIT'])
      await expect(submoduleDir(root, path)).rejects.toThrow(/not a plain path/);
    await symlink('/etc', join(root, 'link'));
    await expect(submoduleDir(root, 'link/x')).rejects.toThrow(/not a directory/);
  });
});
