import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { OciError, OciErrorCodes } from './errors';

/** A content address. Only sha256 is produced or accepted: it is what every registry supports. */
export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** True when `value` is a well-formed sha256 digest (lower-case hex, as the spec requires). */
export function isDigest(value: string): value is Digest {
  return DIGEST.test(value);
}

/** Returns `value` as a {@link Digest}, or throws `oci/invalid_reference`. */
export function parseDigest(value: string): Digest {
  if (!isDigest(value)) throw new OciError(OciErrorCodes.invalidReference, `not a sha256 digest: "${value}"`);
  return value;
}

/** The digest of bytes held in memory (manifests, configs). */
export function sha256Digest(bytes: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The 64 hex characters of a digest: the blob's file name in a layout. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/**
 * A pass-through stream that hashes and counts what flows through it, so one pass over a layer
 * yields both its bytes on disk and its digest without holding it in memory.
 */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private result: Digest | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    callback();
  }

  /** The digest of everything that passed; only once the stream has ended. */
  get digest(): Digest {
    if (!this.result) throw new Error('DigestStream: digest read before the stream ended');
    return this.result;
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.bytes;
  }
}

/**
 * A pass-through stream that fails at its end unless the bytes match `expected`. Readers of a
 * store pipe blobs through it, so a truncated download or a tampered file is an error, not a
 * silently different image. It fails early when more bytes than `expected.size` arrive.
 */
export function verifyingStream(expected: { digest: Digest; size?: number }): Transform {
  const hash = createHash('sha256');
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (expected.size !== undefined && bytes > expected.size) {
        callback(mismatch(expected.digest, `more than the expected ${expected.size} bytes`));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual: Digest = `sha256:${hash.digest('hex')}`;
      if (expected.size !== undefined && bytes !== expected.size) {
        callback(mismatch(expected.digest, `${bytes} bytes instead of ${expected.size}`));
      } else if (actual !== expected.digest) {
        callback(mismatch(expected.digest, `content hashes to ${actual}`));
      } else {
        callback();
      }
    },
  });
}

function mismatch(digest: Digest, detail: string): OciError {
  return new OciError(OciErrorCodes.digestMismatch, `blob ${digest} is corrupt: ${detail}`);
}
