import { chmod, mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { OciError, writeLayer } from './index';
import { cleanupTempDirs, makeAppTree, tempDir, LONG_PATH } from './spec-support/fixtures';
import { requireTool, run } from '@nimbus/testing';

interface Listed {
  mode: string;
  owner: string;
  date: string;
  name: string;
}

/** GNU tar's own reading of a layer: an independent judge of what we wrote. */
async function listLayer(path: string): Promise<Listed[]> {
  const out = await run('tar', [
    '--numeric-owner',
    '--full-time',
    '--utc',
    '--quoting-style=literal',
    '-tvzf',
    path,
  ]);
  return out
    .trimEnd()
    .split('\n')
    .map((line) => {
      const match = /^(\S+) (\d+\/\d+)\s+\d+ (\S+ \S+) (.*)$/.exec(line);
      if (!match) throw new Error(`unexpected tar listing line: ${line}`);
      const [, mode, owner, date, name] = match as unknown as [string, string, string, string, string];
      return { mode, owner, date, name };
    });
}

describe('writeLayer', () => {
  beforeAll(() => {
    requireTool('tar', 'tar');
    requireTool('gzip', 'gzip');
    requireTool('sha256sum', 'coreutils');
    requireTool('mkfifo', 'coreutils');
  });
  afterAll(cleanupTempDirs);

  it('should write entries in byte order of their names, depth first', async () => {
    const src = await tempDir('order');
    await writeFile(join(src, 'é'), '');
    await writeFile(join(src, 'b'), '');
    await mkdir(join(src, 'a'));
    await writeFile(join(src, 'a', 'z'), '');
    await writeFile(join(src, 'a', 'B'), '');
    await writeFile(join(src, 'C'), '');
    const layer = await writeLayer({ sourceDir: src, outDir: await tempDir('out') });
    expect((await listLayer(layer.path)).map((e) => e.name)).toEqual(['C', 'a/', 'a/B', 'a/z', 'b', 'é']);
  });

  it('should keep modes and symlinks, with root owner and the epoch as time, under the target directory', async () => {
    const src = await tempDir('src');
    await makeAppTree(src);
    const layer = await writeLayer({
      sourceDir: src,
      outDir: await tempDir('out'),
      targetDir: '/workspace/app',
    });
    const listed = new Map((await listLayer(layer.path)).map((e) => [e.name, e]));
    expect([...listed.keys()].slice(0, 2)).toEqual(['workspace/', 'workspace/app/']);
    expect(listed.get('workspace/app/bin/start')?.mode).toBe('-rwxr-xr-x');
    expect(listed.get('workspace/app/config/secret.txt')?.mode).toBe('-rw-------');
    expect(listed.get('workspace/app/tmp/')?.mode).toBe('drwxrwxrwt');
    expect(listed.get('workspace/app/lib/util/empty/')?.mode).toBe('drwxr-xr-x');
    expect(listed.get('workspace/app/strings-link -> lib/util/strings.js')?.mode).toBe('lrwxrwxrwx');
    expect(listed.has('workspace/app/absolute-link -> /etc/hostname')).toBe(true);
    expect(listed.has(`workspace/app/${LONG_PATH}`)).toBe(true);
    expect(listed.has('workspace/app/données/été.txt')).toBe(true);
    for (const entry of listed.values()) {
      expect(entry.owner).toBe('0/0');
      expect(entry.date).toBe('1970-01-01 00:00:00');
    }
  });

  it('should name the blob by the sha256 of its bytes and the diff id by that of the uncompressed tar', async () => {
    const src = await tempDir('src');
    await makeAppTree(src);
    const layer = await writeLayer({ sourceDir: src, outDir: await tempDir('out') });
    const [blobHash] = (await run('sha256sum', [layer.path])).split(' ');
    const [tarHash] = (await run('sh', ['-c', 'gzip -dc "$1" | sha256sum', 'sh', layer.path])).split(' ');
    expect(layer.descriptor).toEqual({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: `sha256:${blobHash}`,
      size: expect.any(Number),
    });
    expect(layer.diffId).toBe(`sha256:${tarHash}`);
    expect(basename(layer.path)).toBe(`${blobHash}.tar.gz`);
  });

  it('should give the same digests for the same tree whatever its file times, and others when a mode changes', async () => {
    const src = await tempDir('src');
    await makeAppTree(src);
    const first = await writeLayer({ sourceDir: src, outDir: await tempDir('out') });
    const copy = join(await tempDir('copy'), 'app');
    await run('cp', ['-a', src, copy]);
    const later = new Date('2030-01-01T00:00:00Z');
    for (const path of ['server.js', 'bin', 'bin/start', 'lib/util/strings.js', '.']) {
      await utimes(join(copy, path), later, later);
    }
    const second = await writeLayer({ sourceDir: copy, outDir: await tempDir('out') });
    expect(second.descriptor.digest).toBe(first.descriptor.digest);
    expect(second.diffId).toBe(first.diffId);

    await chmod(join(copy, 'server.js'), 0o700);
    const third = await writeLayer({ sourceDir: copy, outDir: await tempDir('out') });
    expect(third.diffId).not.toBe(first.diffId);
  });

  it('should record a given numeric owner and time on the tree, leaving synthesized parents to root', async () => {
    const src = await tempDir('src');
    await writeFile(join(src, 'a.txt'), 'a');
    const layer = await writeLayer({
      sourceDir: src,
      outDir: await tempDir('out'),
      targetDir: '/home/app',
      uid: 1000,
      gid: 1001,
      mtime: new Date('2024-05-01T12:00:00Z'),
    });
    expect(await listLayer(layer.path)).toEqual([
      { mode: 'drwxr-xr-x', owner: '0/0', date: '2024-05-01 12:00:00', name: 'home/' },
      {
        mode: expect.stringMatching(/^d/),
        owner: '1000/1001',
        date: '2024-05-01 12:00:00',
        name: 'home/app/',
      },
      { mode: '-rw-r--r--', owner: '1000/1001', date: '2024-05-01 12:00:00', name: 'home/app/a.txt' },
    ]);
  });

  it('should leave out what the filter rejects, directories with their contents', async () => {
    const src = await tempDir('src');
    await mkdir(join(src, '.git', 'objects'), { recursive: true });
    await writeFile(join(src, '.git', 'objects', 'x'), 'x');
    await writeFile(join(src, 'keep.txt'), 'k');
    await writeFile(join(src, '.env'), 'SECRET=1');
    const layer = await writeLayer({
      sourceDir: src,
      outDir: await tempDir('out'),
      filter: (path) => path !== '.git' && path !== '.env',
    });
    expect((await listLayer(layer.path)).map((e) => e.name)).toEqual(['keep.txt']);
  });

  it('should refuse a FIFO, name it, and leave no partial file behind', async () => {
    const src = await tempDir('src');
    await writeFile(join(src, 'a.txt'), 'a');
    await run('mkfifo', [join(src, 'pipe')]);
    const out = await tempDir('out');
    const error = await writeLayer({ sourceDir: src, outDir: out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OciError);
    expect(error).toMatchObject({ code: 'oci/unsupported_file', message: expect.stringContaining('pipe') });
    expect(await readdir(out)).toEqual([]);
  });

  it('should refuse an owner id that a tar header cannot hold', async () => {
    const src = await tempDir('src');
    await symlink('nowhere', join(src, 'dangling'));
    await expect(
      writeLayer({ sourceDir: src, outDir: await tempDir('out'), uid: 300_000 }),
    ).rejects.toMatchObject({
      code: 'oci/unsupported_file',
    });
  });
});
