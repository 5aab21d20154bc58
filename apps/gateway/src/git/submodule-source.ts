import { execFile, spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP_BASE, resolveSubmoduleUrl, SubmoduleUrlError, type SubmodulePolicy } from './submodule-url';

const run = promisify(execFile);

/** Submodules inside submodules, to this depth: enough for real trees, bounded for hostile ones. */
const MAX_DEPTH = 4;
/** Per fetch: an unreachable host fails the push instead of hanging it. */
const FETCH_TIMEOUT_MS = 120_000;

/** A submodule that could not be made part of the source; its message is for the pusher. */
export class SubmoduleError extends Error {}

interface Gitlink {
  path: string;
  commit: string;
}

/**
 * Runs in the pre-receive hook (so git commands on the app's repository see the pushed objects,
 * still in quarantine). When the commit has submodules, writes its tree with every submodule
 * checked out at its recorded commit to a new directory and returns it; without any, returns
 * null and the hook sends `git archive` as before.
 */
export async function checkoutWithSubmodules(
  commit: string,
  policy: SubmodulePolicy,
  say: (line: string) => void,
): Promise<{ dir: string; remove: () => Promise<void> } | null> {
  const gitlinks = await gitlinksOf([], commit);
  if (!gitlinks.length) return null;
  const work = await mkdtemp(join(tmpdir(), 'nimbus-source-'));
  const remove = () => rm(work, { recursive: true, force: true });
  try {
    const dir = join(work, 'tree');
    await mkdir(dir);
    await extract([], commit, dir);
    await fillSubmodules({ gitDir: [], commit, dir, base: APP_BASE, depth: 1, work, policy, say });
    return { dir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function fillSubmodules(at: {
  /** `git` arguments selecting the repository: none for the hook's own. */
  gitDir: string[];
  commit: string;
  dir: string;
  base: string;
  depth: number;
  work: string;
  policy: SubmodulePolicy;
  say: (line: string) => void;
}): Promise<void> {
  const gitlinks = await gitlinksOf(at.gitDir, at.commit);
  if (!gitlinks.length) return;
  if (at.depth > MAX_DEPTH) throw new SubmoduleError(`submodules nest deeper than ${MAX_DEPTH} levels`);
  const urls = await submoduleUrls(at.gitDir, at.commit);
  for (const link of gitlinks) {
    const url = urls.get(link.path);
    if (!url) throw new SubmoduleError(`submodule ${link.path} has no url in .gitmodules`);
    let source;
    try {
      source = resolveSubmoduleUrl(url, at.base, at.policy);
    } catch (error) {
      if (error instanceof SubmoduleUrlError)
        throw new SubmoduleError(`submodule ${link.path}: ${error.message}`);
      throw error;
    }
    const target = await submoduleDir(at.dir, link.path);
    at.say(`-----> Fetching submodule ${link.path} (${link.commit.slice(0, 7)})`);
    const repo = await mkdtemp(join(at.work, 'module-'));
    const gitDir = ['--git-dir', repo];
    await git(['init', '--quiet', '--bare', repo]);
    await fetchCommit(gitDir, source.fetch, source.protocol, link.commit, link.path);
    await mkdir(target, { recursive: true });
    await extract(gitDir, link.commit, target);
    await fillSubmodules({
      ...at,
      gitDir,
      commit: link.commit,
      dir: target,
      base: source.base,
      depth: at.depth + 1,
    });
  }
}

/** Fetches one commit: by id first (what servers allow today), else every branch and tag. */
async function fetchCommit(gitDir: string[], url: string, protocol: string, commit: string, path: string) {
  const env = { GIT_ALLOW_PROTOCOL: protocol };
  const attempt = (refspec: string[]): Promise<true | Error> =>
    git(
      [
        ...gitDir,
        // Objects from another server are checked as a push's would be; redirects are not followed,
        // so a URL cannot be bounced elsewhere.
        '-c',
        'fetch.fsckObjects=true',
        '-c',
        'http.followRedirects=false',
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-recurse-submodules',
        '--',
        url,
        ...refspec,
      ],
      env,
    ).then(
      () => true as const,
      (error: Error) => error,
    );
  const byId = await attempt([commit]);
  if (byId === true) return;
  const all = await attempt(['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
  if (all !== true)
    throw new SubmoduleError(`submodule ${path}: could not fetch ${url}: ${lastLine(all.message)}`);
  const has = await git([...gitDir, 'cat-file', '-e', `${commit}^{commit}`]).then(
    () => true,
    () => false,
  );
  if (!has) throw new SubmoduleError(`submodule ${path}: ${url} has no commit ${commit.slice(0, 7)}`);
}

async function gitlinksOf(gitDir: string[], commit: string): Promise<Gitlink[]> {
  const { stdout } = await git([...gitDir, 'ls-tree', '-r', '-z', '--full-tree', commit]);
  const links: Gitlink[] = [];
  for (const entry of stdout.split('\0')) {
    const match = /^160000 commit ([0-9a-f]{40,64})\t(.+)$/s.exec(entry);
    if (match) links.push({ commit: match[1] as string, path: match[2] as string });
  }
  return links;
}

/** Submodule path → url, from the commit's own .gitmodules (never the working tree's). */
async function submoduleUrls(gitDir: string[], commit: string): Promise<Map<string, string>> {
  const listed = await git([...gitDir, 'config', '--blob', `${commit}:.gitmodules`, '-z', '--list']).catch(
    () => ({ stdout: '' }),
  );
  const byName = new Map<string, { path?: string; url?: string }>();
  for (const entry of listed.stdout.split('\0')) {
    const match = /^submodule\.(.+)\.(path|url)\n(.*)$/s.exec(entry);
    if (!match) continue;
    const [, name, key, value] = match as unknown as [string, string, 'path' | 'url', string];
    byName.set(name, { ...byName.get(name), [key]: value });
  }
  const urls = new Map<string, string>();
  for (const { path, url } of byName.values()) if (path && url) urls.set(path, url);
  return urls;
}

/**
 * Where a submodule goes in the tree being built: its path, component by component, plain names
 * through real directories only. git itself writes only such paths, but a hand-made tree can name
 * a gitlink `a/../../x`, which would put the submodule's files outside the build.
 */
export async function submoduleDir(root: string, path: string): Promise<string> {
  const parts = path.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git'))
    throw new SubmoduleError(
      `submodule path ${JSON.stringify(path)} is not a plain path inside the repository`,
    );
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    const stats = await lstat(dir).catch(() => null);
    if (stats && !stats.isDirectory())
      throw new SubmoduleError(`submodule path ${path} passes through ${part}, which is not a directory`);
  }
  return dir;
}

/** The commit's tree into `dir`, as `git archive` gives it (so export-ignore and the like hold). */
function extract(gitDir: string[], commit: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', [...gitDir, 'archive', '--format=tar', commit], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: gitDir.length ? isolatedEnv() : process.env,
    });
    const tar = spawn('tar', ['-x', '--no-same-owner', '-f', '-', '-C', dir], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    archive.stdout.pipe(tar.stdin);
    let failed = '';
    archive.stderr.on('data', (chunk: Buffer) => (failed += chunk.toString()));
    tar.stderr.on('data', (chunk: Buffer) => (failed += chunk.toString()));
    let pending = 2;
    const done = (code: number | null) => {
      if (code !== 0) failed ||= `exit ${code}`;
      if (--pending > 0) return;
      if (failed)
        reject(new SubmoduleError(`could not check out ${commit.slice(0, 7)}: ${lastLine(failed)}`));
      else resolve();
    };
    archive.on('close', done);
    tar.on('close', done);
  });
}

/**
 * git in a submodule's scratch repository: without the hook's GIT_* variables (they point at the
 * app's repository and its quarantine), never prompting for credentials, with no hooks or
 * configuration of this host's users.
 */
function git(args: string[], extraEnv: Record<string, string> = {}) {
  const own = args[0] !== '--git-dir' && args[0] !== 'init';
  return run('git', args, {
    env: own ? process.env : { ...isolatedEnv(), ...extraEnv },
    maxBuffer: 64 * 1024 * 1024,
    timeout: FETCH_TIMEOUT_MS,
  });
}

function isolatedEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ALLOW_PROTOCOL: 'https:http:git',
  };
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? text;
