import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, writeLayer, type ImageOptions, type OciImage } from '../index';

/** A fresh temp directory; `cleanup` removes every one made by this module. */
const made: string[] = [];
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `nimbus-oci-${prefix}-`));
  made.push(dir);
  return dir;
}
export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A path longer than tar's 100-byte name field, to exercise the ustar prefix and pax headers. */
export const LONG_PATH = `deep/${'nested-directory-name/'.repeat(6)}a-file-with-a-rather-long-name.txt`;
export const BIG_FILE_BYTES = 3 * 1024 * 1024 + 17;

/**
 * An app tree with what a layer must carry faithfully: nested dirs, an empty dir, an executable,
 * a private file, a sticky dir, relative and absolute symlinks, a non-ASCII name, a long path and
 * a file of several MiB of random (incompressible) bytes.
 */
export async function makeAppTree(dir: string): Promise<void> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'lib', 'util', 'empty'), { recursive: true });
  await mkdir(join(dir, 'config'));
  await mkdir(join(dir, 'données'));
  await mkdir(join(dir, 'tmp'));
  await chmod(join(dir, 'tmp'), 0o1777);
  await writeFile(join(dir, 'Procfile'), 'web: node server.js\nworker: node worker.js\n');
  await writeFile(
    join(dir, 'server.js'),
    "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n",
  );
  await writeFile(join(dir, 'bin', 'start'), '#!/bin/sh\nexec node server.js\n');
  await chmod(join(dir, 'bin', 'start'), 0o755);
  await writeFile(join(dir, 'lib', 'util', 'strings.js'), 'module.exports = (s) => s.trim();\n');
  await writeFile(join(dir, 'config', 'secret.txt'), 'not for others\n');
  await chmod(join(dir, 'config', 'secret.txt'), 0o600);
  await writeFile(join(dir, 'données', 'été.txt'), 'soleil\n');
  await mkdir(join(dir, LONG_PATH, '..'), { recursive: true });
  await writeFile(join(dir, LONG_PATH), 'long\n');
  await writeFile(join(dir, 'data.bin'), randomBytes(BIG_FILE_BYTES));
  await symlink('lib/util/strings.js', join(dir, 'strings-link'));
  await symlink('/etc/hostname', join(dir, 'absolute-link'));
}

/** Path → what a tree holds there (type, permission bits, content hash or link target). */
export async function describeTree(dir: string, withOwner = false): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function visit(relative: string): Promise<void> {
    for (const name of await readdir(join(dir, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      const stats = await lstat(join(dir, path));
      const mode = (stats.mode & 0o7777).toString(8);
      const owner = withOwner ? ` ${stats.uid}:${stats.gid}` : '';
      if (stats.isDirectory()) {
        out[path] = `dir ${mode}${owner}`;
        await visit(path);
      } else if (stats.isSymbolicLink()) {
        out[path] = `symlink -> ${await readlink(join(dir, path))}${owner}`;
      } else {
        const hash = createHash('sha256')
          .update(await readFile(join(dir, path)))
          .digest('hex');
        out[path] = `file ${mode} ${hash}${owner}`;
      }
    }
  }
  await visit('');
  return out;
}

/** A one-layer image of `sourceDir` under /workspace/app, with the settings the builder will use. */
export async function buildAppImage(
  sourceDir: string,
  workDir: string,
  overrides: Partial<ImageOptions> = {},
): Promise<OciImage> {
  const layer = await writeLayer({
    sourceDir,
    outDir: workDir,
    targetDir: '/workspace/app',
    createdBy: 'test: app',
  });
  return buildImage({
    layers: [layer],
    env: { PORT: '5000', NODE_ENV: 'production' },
    cmd: ['node', 'server.js'],
    workingDir: '/workspace/app',
    user: '1000:1000',
    labels: { 'dev.nimbus.process-types': JSON.stringify({ web: 'node server.js' }) },
    annotations: { 'org.opencontainers.image.revision': '3f2a1c9' },
    ...overrides,
  });
}
