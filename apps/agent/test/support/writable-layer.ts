import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeHandle } from '../../src/runtimes/runtime';
import { Instances, readLog, type RuntimeFixture } from './runtime-contract';
import { eventually, httpGet, pushRawImage, rawLayer } from './test-image';

/**
 * The app of the writable-layer image: writes a note into $HOME and over a file the image ships,
 * and reads both back relative to its working directory.
 */
const NOTES = `
const http = require('node:http');
const fs = require('node:fs');
const read = (path) => { try { return fs.readFileSync(path, 'utf8'); } catch (error) { return error.code; } };
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  try {
    if (url.pathname === '/where')
      return res.end(JSON.stringify({ uid: process.getuid(), cwd: process.cwd(), home: process.env.HOME }));
    if (url.pathname === '/write') {
      const text = url.searchParams.get('text');
      fs.writeFileSync(process.env.HOME + '/note.txt', text);
      fs.writeFileSync('data/seed.txt', text);
      fs.mkdirSync('made/deep', { recursive: true });
      return res.end('written');
    }
    if (url.pathname === '/read')
      return res.end(JSON.stringify({ note: read('note.txt'), seed: read('data/seed.txt'), made: fs.existsSync('made') }));
    res.statusCode = 404;
    res.end();
  } catch (error) {
    res.statusCode = 500;
    res.end(error.code ?? String(error));
  }
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/**
 * An image as a Python build leaves one: /app with a virtualenv whose interpreter is a chain of
 * links to the stack's python, scripts whose shebangs name image paths, and the notes app.
 * Pushed into `<layoutRoot>/<TEST_REPOSITORY>`; returns its digest.
 */
export async function pushWritableLayerImage(layoutRoot: string): Promise<string> {
  const layer = await rawLayer([
    { name: 'app/', type: 'directory' },
    { name: 'app/notes.js', content: NOTES },
    { name: 'app/data/', type: 'directory' },
    { name: 'app/data/seed.txt', content: 'from the image' },
    { name: 'app/bin/', type: 'directory' },
    { name: 'app/bin/tool', type: 'symlink', linkname: '/bin/sh' },
    { name: 'app/bin/greet', content: '#!/app/bin/tool\necho "greet as $(id -u)"\n', mode: 0o755 },
    { name: 'app/.venv/bin/', type: 'directory' },
    // In a virtualenv's order: python3.11's target is itself a link, made later.
    { name: 'app/.venv/bin/python3.11', type: 'symlink', linkname: 'python3' },
    { name: 'app/.venv/bin/python3', type: 'symlink', linkname: '/usr/bin/python3' },
    {
      name: 'app/bin/whoami-py',
      content: '#!/app/.venv/bin/python3.11\nimport os\nprint(f"python as {os.getuid()}")\n',
      mode: 0o755,
    },
  ]);
  return pushRawImage(layoutRoot, [layer], {
    env: { PATH: '/app/bin:/usr/local/bin:/usr/bin:/bin' },
  });
}

export interface WritableLayerFixture extends RuntimeFixture {
  /** Where an instance sees the image's /app: /app itself in a container, its own copy on the host. */
  appDir(handle: RuntimeHandle): string;
  /** Whom instances run as. */
  uid: number;
}

/** Every file of `dir` with its type, mode, owner and content (or link target), never following links. */
async function snapshot(dir: string, rel = ''): Promise<string[]> {
  const path = join(dir, rel);
  const stats = await lstat(path);
  const head = `${rel || '.'} ${stats.mode.toString(8)} ${stats.uid}:${stats.gid}`;
  if (stats.isSymbolicLink()) return [`${head} -> ${await readlink(path)}`];
  if (stats.isFile())
    return [
      `${head} ${createHash('sha256')
        .update(await readFile(path))
        .digest('hex')}`,
    ];
  const below = [];
  for (const name of (await readdir(path)).sort()) below.push(...(await snapshot(dir, join(rel, name))));
  return [head, ...below];
}

interface Where {
  uid: number;
  cwd: string;
  home: string;
}

interface Notes {
  note: string;
  seed: string;
  made: boolean;
}

/**
 * Heroku's contract for an instance's files, the same under every runtime: /app is its home and
 * working directory, and writable, but what it writes is its own (no other instance, no later
 * start of it, and not the shared image sees it).
 */
export function writableLayerContract(fixture: WritableLayerFixture): void {
  const instances = new Instances(fixture);
  afterEach(() => instances.cleanup());

  const get = async <T>(port: number, path: string): Promise<T> => JSON.parse(await httpGet(port, path)) as T;

  it('should run in /app as its home, and let it write there', async () => {
    const { handle, port } = await instances.start('node notes.js');

    const where = await get<Where>(port, '/where');
    expect(where).toEqual({ uid: fixture.uid, cwd: fixture.appDir(handle), home: fixture.appDir(handle) });
    expect(await httpGet(port, '/write?text=mine')).toBe('written');
    expect(await get<Notes>(port, '/read')).toEqual({ note: 'mine', seed: 'mine', made: true });
  });

  it('should give each instance its own files, and never change the shared image', async () => {
    const image = fixture.image().rootfs;
    const before = await snapshot(image);
    const first = await instances.start('node notes.js');
    const second = await instances.start('node notes.js');

    expect(await httpGet(first.port, '/write?text=first')).toBe('written');
    expect(await httpGet(second.port, '/write?text=second')).toBe('written');

    expect(await get<Notes>(first.port, '/read')).toEqual({ note: 'first', seed: 'first', made: true });
    expect(await get<Notes>(second.port, '/read')).toEqual({ note: 'second', seed: 'second', made: true });
    expect(await snapshot(image)).toEqual(before);
    expect(await readFile(join(image, 'app/data/seed.txt'), 'utf8')).toBe('from the image');
  });

  it('should start a restarted instance without what its previous run wrote', async () => {
    const { handle, port } = await instances.start('node notes.js');
    expect(await httpGet(port, '/write?text=before the restart')).toBe('written');

    await instances.restart(handle);

    expect(await get<Notes>(port, '/read')).toEqual({ note: 'ENOENT', seed: 'from the image', made: false });
  });

  it("should run scripts whose interpreter is a link in the image, as the instances' user", async () => {
    const { handle } = await instances.start('id -u; greet; whoami-py');
    const runtime = fixture.runtime();

    const state = await eventually(async () => {
      const current = await runtime.state(handle);
      return current.running ? null : current;
    });

    expect({ state, stderr: await readLog(handle.stderrPath) }).toEqual({
      state: { running: false, exitCode: 0, signal: null, oomKilled: false },
      stderr: '',
    });
    expect(await readLog(handle.stdoutPath)).toBe(
      `${fixture.uid}\ngreet as ${fixture.uid}\npython as ${fixture.uid}\n`,
    );
  });

  it('should never follow a link the instance leaves where the agent records how it ended', async () => {
    // Run as the agent's own user, an instance has nothing to gain from it.
    if (fixture.uid === 0) return;
    const outside = await mkdtemp(join(tmpdir(), 'nimbus-sentinel-'));
    try {
      const sentinel = join(outside, 'host-file');
      await writeFile(sentinel, 'untouched');
      // Its run directory is /run/nimbus in a container, ../../run from the process runtime's copy.
      const plant = ['/run/nimbus', '../../run']
        .map(
          (dir) =>
            `ln -sf ${sentinel} ${dir}/status 2>/dev/null; ln -sf ${sentinel} ${dir}/killed 2>/dev/null;`,
        )
        .join(' ');
      const { handle } = await instances.start(`${plant} trap "" TERM; echo planted; sleep 30`);
      await eventually(async () => ((await readLog(handle.stdoutPath)).includes('planted') ? true : null));

      const runtime = fixture.runtime();
      await runtime.stop(handle, 300);

      expect(await runtime.state(handle)).toEqual({
        running: false,
        exitCode: null,
        signal: 'SIGKILL',
        oomKilled: false,
      });
      expect(await readFile(sentinel, 'utf8')).toBe('untouched');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
}
