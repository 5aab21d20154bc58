import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  LayoutImageStore,
  RegistryImageStore,
  isDigest,
  HEALTH_CHECKS_LABEL,
  READINESS_PATHS_LABEL,
  readImage,
  type ImageConfig,
  type ImageStore,
  type RegistryCredentials,
} from '@nimbus/oci';
import { checksOfPaths, decodeHealthChecks, type HttpCheck } from '@nimbus/domain';
import type { UnpackedImage } from '../runtimes/runtime';
import { LayerRefusedError, applyLayer, type LayerOwner } from './layer-unpack';
import { byRecency, imagesToEvict, listCachedImages } from './image-retention';

/** Thrown for an image that can never be unpacked here (unsafe or unfaithful content): do not retry. */
export { LayerRefusedError };

/** Where images come from: the repository `R` of an assignment names one store. */
export type ImageSource =
  /** An OCI image layout per repository, at `<root>/<R>` (the embedded default, on shared disk). */
  | { kind: 'layout'; root: string }
  /** Repository `R` of a distribution registry. */
  | { kind: 'registry'; url: string; credentials?: RegistryCredentials }
  /** Any other way to reach a repository's store (a pull-through cache, a test's counting wrapper). */
  | { kind: 'custom'; storeFor: (repository: string) => ImageStore };

export interface ImageCacheOptions {
  /** Unpacked images live here, one directory per manifest digest; kept across agent restarts. */
  cacheDir: string;
  source: ImageSource;
  /**
   * Who owns unpacked files (the instances' user, where the agent is root), so an instance's
   * writable layer can change any file of its app as on Heroku; the cache directory itself stays
   * the agent's alone, so no instance reaches the shared images behind its layer.
   */
  owner?: LayerOwner;
  /** How many of the most recently used images {@link ImageCache.evict} keeps (20 if unset). */
  keep?: number;
}

const DEFAULT_KEEP = 20;

const LAYER_MEDIA_TYPES: Record<string, { gzip: boolean }> = {
  'application/vnd.oci.image.layer.v1.tar+gzip': { gzip: true },
  'application/vnd.oci.image.layer.v1.tar': { gzip: false },
  'application/vnd.docker.image.rootfs.diff.tar.gzip': { gzip: true },
};

// The distribution spec's repository grammar: also keeps a layout path inside its root.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const IMAGE_FILE = 'image.json';
/** Work in progress and removals in progress: never taken for an image. */
const PARTIAL = /^\.(tmp|trash)-/;

interface StoredImage {
  digest: string;
  env: Record<string, string>;
  workingDir: string;
  healthChecks?: Record<string, HttpCheck>;
  /** Written by agents before checks had fields. */
  readinessPaths?: Record<string, string>;
}

/**
 * Images unpacked on this node, once each: by manifest digest, so every release, app or tenant
 * that runs the same image shares one read-only root filesystem. An image is unpacked into a
 * temporary directory and renamed into place when complete, so a directory named by a digest is
 * always a whole image, whatever crashed meanwhile. Images outlive their instances, so an app
 * scaled to zero starts again without a pull, until {@link ImageCache.evict} makes room.
 */
export class ImageCache {
  private readonly cacheDir: string;
  private readonly inflight = new Map<string, Promise<UnpackedImage>>();
  /** When this agent last asked for each image; directory mtimes carry it across restarts. */
  private readonly usedAt = new Map<string, number>();

  constructor(private readonly options: ImageCacheOptions) {
    this.cacheDir = resolve(options.cacheDir);
  }

  /**
   * The image unpacked: from this node's cache, or pulled now (concurrent callers share one pull).
   * Keyed by digest alone, whatever the repository: the content is the digest's, so it is the
   * same image for whoever names it.
   */
  ensure(repository: string, digest: string): Promise<UnpackedImage> {
    if (!isDigest(digest)) return Promise.reject(new Error(`"${digest}" is not a sha256 image digest`));
    if (!REPOSITORY.test(repository))
      return Promise.reject(new Error(`"${repository}" is not a valid repository name`));
    this.usedAt.set(digest, Date.now());
    let pending = this.inflight.get(digest);
    if (!pending) {
      pending = this.load(repository, digest).finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, pending);
    }
    return pending;
  }

  /** Removes one unpacked image; no instance may still be using it. */
  async remove(digest: string): Promise<void> {
    if (!isDigest(digest)) throw new Error(`"${digest}" is not a sha256 image digest`);
    await this.inflight.get(digest)?.catch(() => undefined);
    await this.discard(hexOf(digest));
  }

  /** The digests of the images unpacked here, most recently used first. */
  async cached(): Promise<string[]> {
    return (await listCachedImages(this.cacheDir, this.usedAt)).sort(byRecency).map((image) => image.digest);
  }

  /**
   * Evicts the images beyond the most recently used that no instance uses (`inUse`: the digests of
   * this node's instances) and that nobody asked for meanwhile. Returns the digests evicted.
   */
  async evict(inUse: Iterable<string>): Promise<string[]> {
    const started = Date.now();
    const spared = new Set([...inUse, ...this.inflight.keys()]);
    const images = await listCachedImages(this.cacheDir, this.usedAt);
    const evicted: string[] = [];
    for (const digest of imagesToEvict(images, this.options.keep ?? DEFAULT_KEEP, spared)) {
      // Asked for since this began: an instance is about to start from it.
      if (this.inflight.has(digest) || (this.usedAt.get(digest) ?? 0) >= started) continue;
      await this.discard(hexOf(digest));
      this.usedAt.delete(digest);
      evicted.push(digest);
    }
    return evicted;
  }

  /**
   * Removes every unpacked image not in `keep` (those of instances still on this node), and what
   * crashed pulls left behind. Returns the digests removed.
   */
  async prune(keep: Iterable<string>): Promise<string[]> {
    const kept = new Set([...keep, ...this.inflight.keys()].map(hexOf));
    const inflight = [...this.inflight.keys()].map(hexOf);
    const removed: string[] = [];
    for (const name of await readdir(this.cacheDir).catch(() => [])) {
      if (PARTIAL.test(name)) {
        if (!inflight.some((hex) => name.includes(hex)))
          await rm(join(this.cacheDir, name), { recursive: true, force: true });
      } else if (/^[a-f0-9]{64}$/.test(name) && !kept.has(name)) {
        await this.discard(name);
        removed.push(`sha256:${name}`);
      }
    }
    return removed;
  }

  private async load(repository: string, digest: string): Promise<UnpackedImage> {
    const hex = hexOf(digest);
    const cached = await this.read(hex);
    if (cached) {
      // Its last use, for the next agent's evictions; nothing waits for it.
      const now = new Date();
      void utimes(join(this.cacheDir, hex), now, now).catch(() => undefined);
      return cached;
    }

    await mkdir(this.cacheDir, { recursive: true, mode: 0o700 });
    await chmod(this.cacheDir, 0o700);
    const work = join(this.cacheDir, `.tmp-${hex}-${randomBytes(4).toString('hex')}`);
    try {
      const rootfs = join(work, 'rootfs');
      await mkdir(rootfs, { recursive: true });
      // It becomes "/" of containers whose user is not root.
      await chmod(rootfs, 0o755);
      const stored = await this.pull(this.storeFor(repository), digest, work);
      await writeFile(join(work, IMAGE_FILE), JSON.stringify(stored));
      try {
        await rename(work, join(this.cacheDir, hex));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        // Someone finished the same image first (use theirs), or left a directory that is no image.
        if (!(await this.read(hex))) {
          await this.discard(hex);
          await rename(work, join(this.cacheDir, hex));
        }
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const unpacked = await this.read(hex);
    if (!unpacked) throw new Error(`image ${digest} vanished from ${this.cacheDir} as it was unpacked`);
    return unpacked;
  }

  /** Layers bottom first, each downloaded (verified by the store) then applied. */
  private async pull(store: ImageStore, digest: string, work: string): Promise<StoredImage> {
    const image = await readImage(store, digest);
    if (image.digest !== digest)
      throw new Error(`${store.location} answered ${digest} with manifest ${image.digest}`);
    const diffIds = image.config.rootfs.diff_ids;
    if (diffIds.length !== image.layers.length)
      throw new LayerRefusedError(
        `image ${digest} has ${image.layers.length} layers but ${diffIds.length} diff ids`,
      );
    const blob = join(work, 'layer');
    for (const [index, layer] of image.layers.entries()) {
      const kind = LAYER_MEDIA_TYPES[layer.descriptor.mediaType];
      if (!kind)
        throw new LayerRefusedError(`layer media type ${layer.descriptor.mediaType} is not supported`);
      await pipeline(await layer.open(), createWriteStream(blob));
      await applyLayer(
        join(work, 'rootfs'),
        {
          path: blob,
          gzip: kind.gzip,
          diffId: diffIds[index] as string,
        },
        this.options.owner,
      );
      await rm(blob);
    }
    return { digest, ...runConfig(image.config) };
  }

  private storeFor(repository: string): ImageStore {
    const { source } = this.options;
    switch (source.kind) {
      case 'layout':
        return new LayoutImageStore(join(source.root, repository));
      case 'registry':
        return new RegistryImageStore({
          url: source.url,
          repository,
          ...(source.credentials ? { credentials: source.credentials } : {}),
        });
      case 'custom':
        return source.storeFor(repository);
    }
  }

  private async read(hex: string): Promise<UnpackedImage | null> {
    const dir = join(this.cacheDir, hex);
    const text = await readFile(join(dir, IMAGE_FILE), 'utf8').catch(() => null);
    if (text === null) return null;
    const stored = JSON.parse(text) as StoredImage;
    return {
      digest: stored.digest,
      env: stored.env,
      workingDir: stored.workingDir,
      healthChecks: stored.healthChecks ?? checksOfPaths(stored.readinessPaths ?? {}),
      rootfs: join(dir, 'rootfs'),
    };
  }

  /** Out of sight first (one rename), then deleted: a half-deleted image is never found by digest. */
  private async discard(hex: string): Promise<void> {
    const trash = join(this.cacheDir, `.trash-${hex}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(join(this.cacheDir, hex), trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rm(trash, { recursive: true, force: true });
  }
}

function hexOf(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

/**
 * What an instance starts from: the config's Env (later entries win, as in a shell), WorkingDir,
 * and the readiness paths the build put in its labels.
 */
function runConfig(config: ImageConfig): Omit<StoredImage, 'digest'> {
  const env: Record<string, string> = {};
  for (const entry of config.config?.Env ?? []) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return {
    env,
    workingDir: config.config?.WorkingDir || '/',
    healthChecks: decodeHealthChecks(
      config.config?.Labels?.[HEALTH_CHECKS_LABEL],
      config.config?.Labels?.[READINESS_PATHS_LABEL],
    ),
  };
}
