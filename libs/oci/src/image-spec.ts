import { isDigest, type Digest } from './digest';
import { OciError, OciErrorCodes } from './errors';

/** Media types of the OCI image-spec v1.1 documents and blobs this library writes or reads. */
export const MediaTypes = {
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  layerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** Pre-defined annotation keys of the image-spec that Nimbus uses. */
export const Annotations = {
  /** In a layout's index.json: the tag of a manifest. */
  refName: 'org.opencontainers.image.ref.name',
  created: 'org.opencontainers.image.created',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
} as const;

/** A reference to a blob: what it is, its address, its size. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
  platform?: Platform;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

/** An image manifest (`application/vnd.oci.image.manifest.v1+json`). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: typeof MediaTypes.imageManifest;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image index; here only the `index.json` of a layout. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType: typeof MediaTypes.imageIndex;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The execution parameters of an image config; field names are the spec's (Docker's). */
export interface ExecutionConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** An image config (`application/vnd.oci.image.config.v1+json`). */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  config?: ExecutionConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

/**
 * Parses and checks manifest bytes read from a store; throws `oci/invalid_document` or
 * `oci/unsupported_media_type`. `declaredMediaType` (an index entry's, a Content-Type) stands in
 * for a document that omits its own, as image-spec 1.0 allowed.
 */
export function parseImageManifest(bytes: Buffer, what: string, declaredMediaType?: string): ImageManifest {
  const doc = parseObject(bytes, what);
  const mediaType = doc.mediaType ?? declaredMediaType;
  if (mediaType !== MediaTypes.imageManifest) {
    throw new OciError(
      OciErrorCodes.unsupportedMediaType,
      `${what} is ${String(mediaType ?? 'of no media type')}, not an OCI image manifest`,
    );
  }
  if (doc.schemaVersion !== 2 || !isDescriptor(doc.config) || !Array.isArray(doc.layers)) {
    throw invalid(what, 'schemaVersion 2 with a config descriptor and a layers array');
  }
  if (!doc.layers.every(isDescriptor)) throw invalid(what, 'layer descriptors');
  return { ...doc, mediaType } as unknown as ImageManifest;
}

/** Parses and checks an index (a layout's index.json). */
export function parseImageIndex(bytes: Buffer, what: string): ImageIndex {
  const doc = parseObject(bytes, what);
  if (doc.schemaVersion !== 2 || !Array.isArray(doc.manifests) || !doc.manifests.every(isDescriptor)) {
    throw invalid(what, 'schemaVersion 2 with a manifests array of descriptors');
  }
  return doc as unknown as ImageIndex;
}

/** Parses and checks an image config. */
export function parseImageConfig(bytes: Buffer, what: string): ImageConfig {
  const doc = parseObject(bytes, what);
  const rootfs = doc.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (
    typeof doc.architecture !== 'string' ||
    typeof doc.os !== 'string' ||
    typeof rootfs !== 'object' ||
    rootfs === null ||
    rootfs.type !== 'layers' ||
    !Array.isArray(rootfs.diff_ids) ||
    !rootfs.diff_ids.every((id) => typeof id === 'string' && isDigest(id))
  ) {
    throw invalid(what, 'architecture, os and rootfs.diff_ids');
  }
  return doc as unknown as ImageConfig;
}

/** The media type of a document whose descriptor is unknown (a blob named only by digest). */
export function documentMediaType(bytes: Buffer, what: string): string {
  const doc = parseObject(bytes, what);
  if (typeof doc.mediaType === 'string') return doc.mediaType;
  if (Array.isArray(doc.manifests)) return MediaTypes.imageIndex;
  if (typeof doc.config === 'object') return MediaTypes.imageManifest;
  throw invalid(what, 'a manifest or an index');
}

function parseObject(bytes: Buffer, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new OciError(OciErrorCodes.invalidDocument, `${what} is not valid JSON`, { cause: error });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(what, 'a JSON object');
  return doc as Record<string, unknown>;
}

function isDescriptor(value: unknown): value is Descriptor {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    typeof d.mediaType === 'string' &&
    typeof d.digest === 'string' &&
    isDigest(d.digest) &&
    Number.isSafeInteger(d.size) &&
    (d.size as number) >= 0
  );
}

function invalid(what: string, expected: string): OciError {
  return new OciError(OciErrorCodes.invalidDocument, `${what} is not valid: expected ${expected}`);
}
