import { readdir } from 'node:fs/promises';
import { delimiter } from 'node:path';

/**
 * Top-level names that are the host's own on the process runtime (the runtime stack under /usr,
 * the system's /etc, /tmp…): never rewritten, even when an image happens to have them.
 */
export const HOST_OWNED = new Set([
  'bin',
  'boot',
  'dev',
  'etc',
  'home',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'media',
  'mnt',
  'opt',
  'proc',
  'root',
  'run',
  'sbin',
  'srv',
  'sys',
  'tmp',
  'usr',
  'var',
]);

// Only these characters, so the rootfs can be pasted into a command line without quoting.
const SHELL_SAFE = /^[A-Za-z0-9._/+-]+$/;
// What may stand before and after a path in a command line or a list of paths.
const BEFORE = `(^|[\\s'"=:;&|()<>\`])`;
const AFTER = `(?=$|[/\\s'"=:;&|()<>\`])`;

/**
 * Maps the image's own absolute paths (`/app/…`, `/nimbus/…`: its top-level directories) to
 * where they are unpacked on this host, for the process runtime, whose instances see the host's
 * filesystem. Rewriting the few places the image's paths are spelled out (working directory,
 * environment, command line) needs no privileges, unlike a mount namespace; paths an app builds
 * at run time or reads from its own files (a shebang such as `#!/app/.venv/bin/python`) are not
 * seen — the oci runtime, which mounts the image at /, has no such limit.
 */
export class ImagePathMap {
  private readonly pattern: RegExp | null;

  constructor(
    readonly rootfs: string,
    /** The image's own top-level names: what `path` and `command` map. */
    readonly tops: readonly string[],
  ) {
    if (!SHELL_SAFE.test(rootfs))
      throw new Error(`image root ${rootfs} has characters a command line would need quoted`);
    const names = tops.map((top) => top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.pattern = names.length > 0 ? new RegExp(`${BEFORE}(/(?:${names.join('|')}))${AFTER}`, 'g') : null;
  }

  /** The map for an unpacked image: its top-level entries, less those the host owns. */
  static async of(rootfs: string): Promise<ImagePathMap> {
    const names = await readdir(rootfs);
    return new ImagePathMap(
      rootfs,
      names.filter((name) => !HOST_OWNED.has(name) && /^[A-Za-z0-9._+-]+$/.test(name)),
    );
  }

  /** An absolute path in the image, as the host sees it. */
  path(path: string): string {
    const top = path.split('/')[1];
    return path.startsWith('/') && top !== undefined && this.tops.includes(top) ? this.rootfs + path : path;
  }

  /** A command line with the image's absolute paths rewritten where they start a word. */
  command(command: string): string {
    if (!this.pattern) return command;
    return command.replace(
      this.pattern,
      (_match, before: string, path: string) => before + this.rootfs + path,
    );
  }

  /** An environment value: a path, or a list of paths such as PATH or NODE_PATH. */
  envValue(value: string): string {
    return value
      .split(delimiter)
      .map((part) => this.path(part))
      .join(delimiter);
  }
}

/**
 * The environment of a process-runtime instance: the image's, overridden by the spec's, with
 * image paths mapped and the host's PATH appended so the runtime stack (node, python, sh) is found.
 */
export function processEnv(
  imageEnv: Record<string, string>,
  specEnv: Record<string, string>,
  paths: ImagePathMap,
  hostPath: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...imageEnv, ...specEnv })) env[key] = paths.envValue(value);
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of hostPath.split(delimiter)) if (dir && !dirs.includes(dir)) dirs.push(dir);
  env.PATH = dirs.join(delimiter);
  return env;
}
