/** Stable codes of {@link OciError}; callers branch on these, never on messages. */
export const OciErrorCodes = {
  /** A tag, digest or blob that the store does not hold. */
  notFound: 'oci/not_found',
  /** A tag, digest or repository name that is not well-formed. */
  invalidReference: 'oci/invalid_reference',
  /** Bytes that do not hash to (or are not the size of) the digest that named them. */
  digestMismatch: 'oci/digest_mismatch',
  /** A manifest, index or config that is not valid JSON of the expected shape. */
  invalidDocument: 'oci/invalid_document',
  /** A manifest of a kind this library does not read (for example a multi-platform index). */
  unsupportedMediaType: 'oci/unsupported_media_type',
  /** A file a layer cannot hold (socket, device, FIFO) or ownership tar cannot encode. */
  unsupportedFile: 'oci/unsupported_file',
  /** The registry refused the credentials, or asked for an authentication scheme we do not speak. */
  unauthorized: 'oci/unauthorized',
  /** The registry could not be reached, or answered with an unexpected status. */
  registryError: 'oci/registry_error',
  /** Another writer held the layout's index lock for longer than we were willing to wait. */
  lockTimeout: 'oci/lock_timeout',
} as const;

export type OciErrorCode = (typeof OciErrorCodes)[keyof typeof OciErrorCodes];

/** Every failure this library raises on purpose; anything else is a bug or an I/O error. */
export class OciError extends Error {
  constructor(
    readonly code: OciErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OciError';
  }
}
