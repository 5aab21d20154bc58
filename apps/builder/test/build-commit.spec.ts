import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATIC_SERVER_COMMAND } from '@nimbus/domain';
import { LayoutImageStore } from '@nimbus/oci';
import { BuildFailedError, buildCommit, type BuildCommitOptions } from '../src';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', ...args], { cwd })
    .toString()
    .trim();

/** The tree of `dir`'s HEAD as the builder receives it: a `git archive` tarball. */
function archive(dir: string) {
  const commit = git(dir, 'rev-parse', 'HEAD');
  const source = join(dir, `../${commit}.tar`);
  git(dir, 'archive', '--format=tar', '-o', source, commit);
  return { source, commit };
}

/** A repository with one commit holding `files`; returns its directory and the commit as a tarball. */
async function repository(
  root: string,
  name: string,
  files: Record<string, string>,
  prepare?: (dir: string) => void,
) {
  const dir = join(root, name);
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  prepare?.(dir);
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  return { ...archive(dir), dir };
}

describe(buildCommit.name, () => {
  let root: string;
  let layout: string;
  let store: LayoutImageStore;
  const base = () => ({
    scratchDir: join(root, 'scratch'),
    cacheDir: join(root, 'cache'),
    store,
    limits: { timeoutMs: 120_000, memoryBytes: 1 << 30, maxProcesses: 512 },
  });
  const build = async (
    source: { source: string; commit: string },
    extra: Partial<BuildCommitOptions> = {},
  ) => {
    const lines: string[] = [];
    const image = await buildCommit({ ...base(), ...source, log: (line) => lines.push(line), ...extra });
    return { image, lines };
  };
  const inspect = (tag: string) =>
    JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci:${layout}:${tag}`]).toString()) as {
      config: { Env: string[]; Labels: Record<string, string>; WorkingDir: string };
    };
  const unpack = (tag: string) => {
    const target = join(root, `unpacked-${tag.slice(0, 8)}`);
    execFileSync('umoci', ['raw', 'unpack', '--rootless', '--image', `${layout}:${tag}`, target]);
    return target;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nimbus-build-'));
    layout = join(root, 'images');
    store = new LayoutImageStore(layout);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('should build a Node.js app with a dependency, then reuse its dependencies when the lockfile is unchanged', async () => {
    const source = await repository(
      root,
      'node-app',
      {
        'package.json': JSON.stringify({
          name: 'hello',
          version: '1.0.0',
          dependencies: { ms: '2.1.3' },
          scripts: { start: 'node server.js' },
        }),
        'server.js': "console.log(require('ms')(60000));\n",
      },
      (dir) =>
        execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir }),
    );
    const cold = await build(source);
    expect(cold.lines).toEqual(
      expect.arrayContaining([
        '-----> Node.js app detected (package.json, package-lock.json)',
        '-----> npm ci',
        '-----> Process types: web',
      ]),
    );
    expect(cold.image).toMatchObject({ stack: 'node', processTypes: { web: 'npm start' }, release: null });
    const config = inspect(source.commit).config;
    expect(JSON.parse(config.Labels['dev.nimbus.process-types'] as string)).toEqual({ web: 'npm start' });
    expect(config.WorkingDir).toBe('/app');
    expect(config.Env).toContain('NODE_ENV=production');
    const files = unpack(source.commit);
    expect(JSON.parse(await readFile(join(files, 'app/node_modules/ms/package.json'), 'utf8')).version).toBe(
      '2.1.3',
    );

    await writeFile(join(source.dir, 'server.js'), "console.log('v2');\n");
    git(source.dir, 'commit', '-qam', 'second');
    const warm = await build(archive(source.dir));
    expect(warm.lines).toContain('-----> Restoring cached dependencies (node_modules)');
    expect(warm.lines).not.toContain('-----> npm ci');
    expect(warm.image.digest).not.toBe(cold.image.digest);
  });

  it('should reuse the dependencies of an app without a lockfile while its package.json dependencies are unchanged', async () => {
    // A `file:` dependency: npm installs it without the network.
    const source = await repository(
      root,
      'unlocked-app',
      {
        'package.json': JSON.stringify({
          name: 'unlocked',
          version: '1.0.0',
          dependencies: { greeting: 'file:greeting' },
          scripts: { start: 'node server.js' },
        }),
        'server.js': "console.log(require('greeting'));\n",
      },
      (dir) => {
        mkdirSync(join(dir, 'greeting'));
        writeFileSync(join(dir, 'greeting/package.json'), '{"name":"greeting","version":"1.0.0"}');
        writeFileSync(join(dir, 'greeting/index.js'), "module.exports = 'hello';\n");
      },
    );
    const cold = await build(source);
    expect(cold.lines).toContain('-----> Node.js app detected (package.json)');
    expect(cold.lines).toContain('-----> npm install');
    expect(existsSync(join(unpack(source.commit), 'app/node_modules/greeting'))).toBe(true);

    // Key order and scripts are not dependencies: the tree is restored, not installed again.
    await writeFile(
      join(source.dir, 'package.json'),
      JSON.stringify({
        scripts: { start: 'node server.js', test: 'true' },
        dependencies: { greeting: 'file:greeting' },
        version: '1.0.1',
        name: 'unlocked',
      }),
    );
    git(source.dir, 'commit', '-qam', 'second');
    const warm = await build(archive(source.dir));
    expect(warm.lines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^-----> Restoring cached dependencies/)]),
    );
    expect(warm.lines).not.toContain('-----> npm install');
    const warmCommit = git(source.dir, 'rev-parse', 'HEAD');
    expect(existsSync(join(unpack(warmCommit), 'app/node_modules/greeting'))).toBe(true);

    // A changed dependency field installs again.
    await writeFile(
      join(source.dir, 'package.json'),
      JSON.stringify({
        name: 'unlocked',
        version: '1.0.1',
        dependencies: { greeting: 'file:greeting' },
        overrides: { greeting: 'file:greeting' },
        scripts: { start: 'node server.js' },
      }),
    );
    git(source.dir, 'commit', '-qam', 'third');
    const changed = await build(archive(source.dir));
    expect(changed.lines).toContain('-----> npm install');
    expect(changed.lines.some((line) => line.startsWith('-----> Restoring cached dependencies'))).toBe(false);
  });

  it('should build a static site around the built-in server', async () => {
    const source = await repository(root, 'site', { 'index.html': '<h1>hi</h1>' });
    const { image } = await build(source);
    expect(image.processTypes).toEqual({ web: STATIC_SERVER_COMMAND });
    const files = unpack(source.commit);
    expect(existsSync(join(files, 'nimbus/static-server.mjs'))).toBe(true);
    expect(await readFile(join(files, 'app/index.html'), 'utf8')).toBe('<h1>hi</h1>');
  });

  it('should build a Python app into a virtualenv (no requirements: PyPI is out of reach here)', async () => {
    const source = await repository(root, 'py-app', {
      'requirements.txt': '# nothing yet\n',
      Procfile: 'web: python app.py\n',
      'app.py': 'print("hello")\n',
    });
    const { image, lines } = await build(source);
    expect(lines).toEqual(
      expect.arrayContaining([
        '-----> Python app detected (requirements.txt)',
        '-----> pip install -r requirements.txt',
      ]),
    );
    expect(image).toMatchObject({ stack: 'python', processTypes: { web: 'python app.py' } });
    expect(image.env).toMatchObject({ PYTHONUNBUFFERED: '1' });
    const files = unpack(source.commit);
    expect(existsSync(join(files, 'app/.venv/bin/python'))).toBe(true);
  });

  it('should carry the release command and app.json env defaults', async () => {
    const source = await repository(root, 'procfile-app', {
      Procfile: 'worker: ./run.sh\nrelease: ./migrate.sh\n',
      'app.json': JSON.stringify({ env: { GREETING: 'hello', SECRET: { generator: 'secret' } } }),
    });
    const { image } = await build(source);
    expect(image).toMatchObject({
      stack: 'procfile',
      processTypes: { worker: './run.sh' },
      release: './migrate.sh',
    });
    expect(inspect(source.commit).config.Env).toContain('GREETING=hello');
  });

  it('should fail with the reason when a step fails, or the app is not buildable', async () => {
    const failing = await repository(root, 'broken', {
      'package.json': JSON.stringify({
        name: 'b',
        version: '1.0.0',
        scripts: { build: 'echo compiling && exit 3', start: 'node x' },
      }),
    });
    const lines: string[] = [];
    await expect(buildCommit({ ...base(), ...failing, log: (line) => lines.push(line) })).rejects.toThrow(
      new BuildFailedError('npm run build failed (exit 3)'),
    );
    expect(lines).toContain('       compiling');
    const unknown = await repository(root, 'unknown', { 'main.go': 'package main' });
    await expect(build(unknown)).rejects.toThrow(/no supported app found/);
  });

  it('should stop a step that runs too long', async () => {
    const slow = await repository(root, 'slow', {
      'package.json': JSON.stringify({
        name: 's',
        version: '1.0.0',
        scripts: { build: 'sleep 30', start: 'node x' },
      }),
    });
    await expect(build(slow, { limits: { timeoutMs: 3_000 } })).rejects.toThrow(
      'npm run build took longer than 3s',
    );
  });
});
