import type { Digest } from './digest';
import { OciError, OciErrorCodes } from './errors';
import type { ExecutionConfig, HistoryEntry, ImageConfig } from './image-spec';

/** What an image runs and how; everything optional has the runtime's default when left out. */
export interface ImageConfigOptions {
  /** Default `amd64`. */
  architecture?: string;
  /** Default `linux`. */
  os?: string;
  /** Default environment, in the order given (later entries may refer to earlier ones at run time). */
  env?: Readonly<Record<string, string>>;
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  workingDir?: string;
  /** `uid`, `uid:gid`, or a user name from the image's /etc/passwd. */
  user?: string;
  /** Stored with sorted keys, so equal label sets give equal digests whatever their order. */
  labels?: Readonly<Record<string, string>>;
  /** Such as `5000/tcp`. */
  exposedPorts?: readonly string[];
  stopSignal?: string;
  /** Recorded as the image's and each history entry's creation time. Default the Unix epoch, for reproducibility. */
  created?: Date;
  author?: string;
}

/** A layer as the config sees it: the digest of its uncompressed tar, and what made it. */
export interface ConfigLayer {
  diffId: Digest;
  createdBy?: string;
}

/** Builds an image config for `layers` (bottom first). Pure: no I/O, same input → same object. */
export function createImageConfig(options: ImageConfigOptions, layers: readonly ConfigLayer[]): ImageConfig {
  const created = (options.created ?? new Date(0)).toISOString();
  const exec: ExecutionConfig = {};
  if (options.user !== undefined) exec.User = options.user;
  if (options.exposedPorts?.length) {
    exec.ExposedPorts = Object.fromEntries([...options.exposedPorts].sort().map((port) => [port, {}]));
  }
  if (options.env)
    exec.Env = Object.entries(options.env).map(([name, value]) => `${checkedEnvName(name)}=${value}`);
  if (options.entrypoint) exec.Entrypoint = [...options.entrypoint];
  if (options.cmd) exec.Cmd = [...options.cmd];
  if (options.workingDir !== undefined) exec.WorkingDir = options.workingDir;
  if (options.labels) exec.Labels = sortedRecord(options.labels);
  if (options.stopSignal !== undefined) exec.StopSignal = options.stopSignal;
  const history = layers.map((layer): HistoryEntry => ({
    created,
    ...(layer.createdBy !== undefined ? { created_by: layer.createdBy } : {}),
    ...(options.author !== undefined ? { author: options.author } : {}),
  }));
  return {
    created,
    ...(options.author !== undefined ? { author: options.author } : {}),
    architecture: options.architecture ?? 'amd64',
    os: options.os ?? 'linux',
    config: exec,
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history,
  };
}

/** Copies a record with its keys in code-point order. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkedEnvName(name: string): string {
  if (name === '' || name.includes('=') || name.includes('\0')) {
    throw new OciError(OciErrorCodes.invalidDocument, `environment variable name "${name}" is not valid`);
  }
  return name;
}
