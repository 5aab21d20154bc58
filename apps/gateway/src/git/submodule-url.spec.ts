import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_BASE, resolveSubmoduleUrl } from './submodule-url';

describe(resolveSubmoduleUrl.name, () => {
  let root: string;
  let allowed: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'submodule-url-'));
    allowed = join(root, 'mirror');
    await mkdir(join(allowed, 'lib.git'), { recursive: true });
    await mkdir(join(root, 'private'));
    await symlink(join(root, 'private'), join(allowed, 'sneaky'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const policy = () => ({ fileRoot: allowed, siblings: { shared: '/git/t/shared-id.git' } });

  it('should fetch https URLs and refuse credentials in them', () => {
    expect(resolveSubmoduleUrl('https://example.test/a/lib.git', APP_BASE, policy())).toMatchObject({
      fetch: 'https://example.test/a/lib.git',
      protocol: 'https',
    });
    expect(() => resolveSubmoduleUrl('https://me:pw@example.test/lib.git', APP_BASE, policy())).toThrow(
      /carries credentials/,
    );
  });

  it('should allow file:// URLs only under the configured root, symbolic links included', () => {
    expect(resolveSubmoduleUrl(`file://${allowed}/lib.git`, APP_BASE, policy()).fetch).toBe(
      join(allowed, 'lib.git'),
    );
    expect(() => resolveSubmoduleUrl('file:///etc', APP_BASE, policy())).toThrow(/is outside the directory/);
    expect(() => resolveSubmoduleUrl(`${allowed}/../private`, APP_BASE, policy())).toThrow(/is outside/);
    expect(() => resolveSubmoduleUrl(`file://${allowed}/sneaky`, APP_BASE, policy())).toThrow(/is outside/);
    expect(() =>
      resolveSubmoduleUrl(`file://${allowed}/lib.git`, APP_BASE, { fileRoot: null, siblings: {} }),
    ).toThrow(/NIMBUS_GIT_SUBMODULE_FILE_ROOT is unset/);
  });

  it('should resolve relative URLs: another app at the top, beside the superproject below it', () => {
    expect(resolveSubmoduleUrl('../shared.git', APP_BASE, policy()).fetch).toBe('/git/t/shared-id.git');
    expect(() => resolveSubmoduleUrl('../missing.git', APP_BASE, policy())).toThrow(/does not have/);
    expect(() => resolveSubmoduleUrl('../../other/x.git', APP_BASE, policy())).toThrow(/another app/);
    expect(resolveSubmoduleUrl('../util.git', 'https://example.test/a/lib.git', policy()).fetch).toBe(
      'https://example.test/a/util.git',
    );
    expect(() => resolveSubmoduleUrl('../../../../etc', `file://${allowed}/lib.git`, policy())).toThrow(
      /is outside/,
    );
  });

  it('should refuse ssh, ext and option-like URLs', () => {
    for (const url of [
      'git@example.test:a/b.git',
      'ssh://example.test/b.git',
      'ext::sh -c id',
      '--upload-pack=id',
    ])
      expect(() => resolveSubmoduleUrl(url, APP_BASE, policy())).toThrow();
  });
});
