export { OciError, OciErrorCodes } from './errors';
export type { OciErrorCode } from './errors';
export { isDigest, parseDigest, sha256Digest } from './digest';
export type { Digest } from './digest';
export { Annotations, MediaTypes } from './image-spec';
export type {
  Descriptor,
  ExecutionConfig,
  HistoryEntry,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
} from './image-spec';
export type { BlobSource, BufferBlob } from './blob-source';
export { writeLayer } from './layer-writer';
export type { LayerBlob, LayerOptions } from './layer-writer';
export type { ImageConfigOptions } from './image-config';
export { buildImage } from './image';
export type { ImageLayer, ImageOptions, OciImage } from './image';
export {
  PROCESS_TYPES_LABEL,
  HEALTH_CHECKS_LABEL,
  READINESS_PATHS_LABEL,
  FORMATION_LABEL,
  POSTDEPLOY_LABEL,
  encodeProcessTypes,
  readProcessTypes,
} from './process-types';
export { checkTag, parseReference, readImage } from './image-store';
export type { ImageStore, PushOptions, Reference, StoredManifest } from './image-store';
export { LayoutImageStore } from './layout-store';
export type { LayoutStoreOptions } from './layout-store';
export type { FileLockOptions } from './file-lock';
export { RegistryImageStore } from './registry-store';
export type { RegistryStoreOptions } from './registry-store';
export type { RegistryCredentials } from './registry-http';
