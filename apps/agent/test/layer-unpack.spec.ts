import { lstat, mkdir, readFile, readdir, readlink, realpath, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LayerRefusedError, applyLayer, type LayerOwner } from '../src/images/layer-unpack';
import { rawLayerFile, removeDir, tempDir, type RawEntry } from './support/test-image';

/*
 * applyLayer on real tar layers. Each test gets `<case>/rootfs` and, beside it, `<case>/sentinel`
 * holding one file: what a hostile layer would reach first when it climbs out of the root.
 */
describe(applyLayer.name, () => {
  let work: string;
  let root: string;
  let sentinel: string;
  let layers = 0;

  beforeAll(async () => {
    work = await tempDir('layer-unpack');
  });
  afterAll(() => removeDir(work));

  beforeEach(async () => {
    const dir = join(work, `case-${++layers}`);
    root = join(dir, 'rootfs');
    sentinel = join(dir, 'sentinel');
    await mkdir(root, { recursive: true });
    await mkdir(sentinel);
    await writeFile(join(sentinel, 'victim.txt'), 'untouched');
  });

  const apply = async (entries: RawEntry[], owner?: LayerOwner) =>
    applyLayer(root, await rawLayerFile(join(root, '..', `layer-${++layers}.tar.gz`), entries), owner);

  /** Nothing beside the root changed: the sentinel holds its one file, unchanged and unlinked. */
  const expectSentinelUntouched = async () => {
    expect(await readdir(sentinel)).toEqual(['victim.txt']);
    expect(await readFile(join(sentinel, 'victim.txt'), 'utf8')).toBe('untouched');
    expect((await stat(join(sentinel, 'victim.txt'))).nlink).toBe(1);
    expect((await readdir(join(root, '..'))).filter((name) => !name.startsWith('layer-')).sort()).toEqual([
      'rootfs',
      'sentinel',
    ]);
  };

  it("should unpack a virtualenv's chain of links, stored relative, resolving inside the root", async () => {
    await apply([{ name: 'usr/bin/python3', content: '#!/bin/sh\n', mode: 0o755 }]);
    // The order a virtualenv's tar has: the link whose target is another link first.
    await apply([
      { name: 'app/', type: 'directory' },
      { name: 'app/.venv/bin/', type: 'directory' },
      { name: 'app/.venv/bin/python3.11', type: 'symlink', linkname: 'python3' },
      { name: 'app/.venv/bin/python', type: 'symlink', linkname: 'python3.11' },
      { name: 'app/.venv/bin/python3', type: 'symlink', linkname: '/usr/bin/python3' },
      { name: 'app/.venv/bin/pip', content: '#!/app/.venv/bin/python3.11\n', mode: 0o755 },
    ]);

    const bin = join(root, 'app/.venv/bin');
    expect(await readlink(join(bin, 'python3'))).toBe('../../../usr/bin/python3');
    expect(await readlink(join(bin, 'python3.11'))).toBe('python3');
    expect(await readlink(join(bin, 'python'))).toBe('python3.11');
    expect(await realpath(join(bin, 'python'))).toBe(join(await realpath(root), 'usr/bin/python3'));
    expect(await readFile(join(bin, 'pip'), 'utf8')).toBe('#!/app/.venv/bin/python3.11\n');
    await expectSentinelUntouched();
  });

  it('should keep a link whose target climbs through another link inside the root', async () => {
    // Read by the kernel, `root/..` is the root's parent: root -> .. is followed before the `..`.
    await apply([
      { name: 'app/', type: 'directory' },
      { name: 'app/root', type: 'symlink', linkname: '..' },
      { name: 'app/esc', type: 'symlink', linkname: 'root/..' },
      { name: 'app/deeper', type: 'symlink', linkname: 'root/../sentinel' },
    ]);

    const inside = await realpath(root);
    expect(await realpath(join(root, 'app/esc'))).toBe(join(inside, 'app'));
    expect(await readlink(join(root, 'app/deeper'))).toBe('sentinel');
    await expectSentinelUntouched();
  });

  it("should make a link's missing parents real directories, and replace what a lower layer had there", async () => {
    await apply([{ name: 'app/current/old.txt', content: 'lower' }]);

    await apply([
      { name: 'app/current', type: 'symlink', linkname: 'releases/v2' },
      { name: 'app/implied/only/link', type: 'symlink', linkname: '../../current' },
    ]);

    expect(await readlink(join(root, 'app/current'))).toBe('releases/v2');
    expect((await lstat(join(root, 'app/implied/only'))).isDirectory()).toBe(true);
    expect((await stat(join(root, 'app/implied/only'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(root, 'app/implied/only/link'))).toBe('../../current');
  });

  describe('hostile layers', () => {
    const hostile: [string, () => RawEntry[], RegExp][] = [
      [
        'an absolute entry path',
        () => [{ name: join(sentinel, 'escaped.txt'), content: 'x' }],
        /absolute path/,
      ],
      ['an entry path with ..', () => [{ name: 'app/../../sentinel/escaped.txt', content: 'x' }], /'\.\.'/],
      [
        'a relative symbolic link climbing out of the root',
        () => [
          { name: 'app/', type: 'directory' },
          { name: 'app/out', type: 'symlink', linkname: '../../sentinel' },
        ],
        /leaves the image's root/,
      ],
      [
        "an entry written through the layer's own link (link first)",
        () => [
          { name: 'app/', type: 'directory' },
          { name: 'app/link', type: 'symlink', linkname: '/' },
          { name: 'app/link/escaped.txt', content: 'x' },
        ],
        /below the layer's own symbolic link app\/link/,
      ],
      [
        "an entry written through the layer's own link (entry first)",
        () => [
          { name: 'app/link/escaped.txt', content: 'x' },
          { name: 'app/link', type: 'symlink', linkname: '/' },
        ],
        /below the layer's own symbolic link app\/link/,
      ],
      [
        'a hard link out of the root',
        () => [{ name: 'app/victim', type: 'link', linkname: '../../sentinel/victim.txt' }],
        /refused/,
      ],
      [
        'a hard link to an absolute host path',
        () => [{ name: 'app/victim', type: 'link', linkname: join(sentinel, 'victim.txt') }],
        /refused/,
      ],
    ];

    it.each(hostile)(
      'should refuse %s and write nothing outside the root',
      async (_name, entries, reason) => {
        const applied = apply(entries());

        await expect(applied).rejects.toThrow(LayerRefusedError);
        await expect(applied).rejects.toThrow(reason);
        await expectSentinelUntouched();
      },
    );

    it('should refuse a link placed below a link of a lower layer rather than follow it', async () => {
      await apply([{ name: 'app/up', type: 'symlink', linkname: '..' }]);

      await expect(
        apply([{ name: 'app/up/sentinel/escaped', type: 'symlink', linkname: '/' }]),
      ).rejects.toThrow(/its parent up is not a directory/);

      await expectSentinelUntouched();
      expect(await readdir(root)).toEqual(['app']);
    });

    it("should refuse a hard link to a lower layer's symbolic link, which would move where it points", async () => {
      await apply([{ name: 'app/a/b/l', type: 'symlink', linkname: '../..' }]);

      await expect(apply([{ name: 'h', type: 'link', linkname: 'app/a/b/l' }])).rejects.toThrow(
        LayerRefusedError,
      );

      await expect(lstat(join(root, 'h'))).rejects.toThrow(/ENOENT/);
      await expectSentinelUntouched();
    });
  });

  it('should give every file, directory and link to the owner when one is given', async () => {
    const owner = { uid: 4242, gid: 4343 };
    await apply([{ name: 'app/lower.txt', content: 'lower' }], owner);

    await apply(
      [
        { name: 'app/', type: 'directory' },
        { name: 'app/file.txt', content: 'x' },
        { name: 'app/implied/deep/file.txt', content: 'x' },
        { name: 'app/hard', type: 'link', linkname: 'app/file.txt' },
        { name: 'app/relative', type: 'symlink', linkname: 'file.txt' },
        { name: 'app/absolute', type: 'symlink', linkname: '/usr/bin/env' },
        { name: 'app/made-for-link/link', type: 'symlink', linkname: '../file.txt' },
      ],
      owner,
    );

    const paths = [
      'app',
      'app/lower.txt',
      'app/file.txt',
      'app/implied',
      'app/implied/deep',
      'app/implied/deep/file.txt',
      'app/hard',
      'app/relative',
      'app/absolute',
      'app/made-for-link',
      'app/made-for-link/link',
    ];
    const owners = await Promise.all(
      paths.map(async (path) => {
        const stats = await lstat(join(root, path));
        return [path, { uid: stats.uid, gid: stats.gid }] as const;
      }),
    );
    expect(Object.fromEntries(owners)).toEqual(Object.fromEntries(paths.map((path) => [path, owner])));
    expect((await lstat(join(root, 'app/absolute'))).isSymbolicLink()).toBe(true);
  });
});
