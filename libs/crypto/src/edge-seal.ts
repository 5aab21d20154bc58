import { openValue, sealValue } from './envelope';

const EDGE_KEY_BYTES = 32;

/**
 * The key the orchestrator seals certificate keys with for the routers (NIMBUS_EDGE_KEY, base64 of
 * 32 bytes): a router can open what it serves and nothing else of a tenant's.
 */
export function parseEdgeKey(encoded: string): Buffer {
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== EDGE_KEY_BYTES) throw new Error(`must be base64 of ${EDGE_KEY_BYTES} bytes`);
  return key;
}

const certificateContext = (certificateId: string) => `nimbus:edge-certificate:${certificateId}`;

/** A certificate's PEM (chain and key) for the routers, bound to its id. */
export function sealForEdge(edgeKey: Buffer, certificateId: string, pem: string): string {
  return sealValue(edgeKey, Buffer.from(pem, 'utf8'), certificateContext(certificateId)).toString('base64');
}

/** Throws when it was not sealed with `edgeKey` for `certificateId`. */
export function openForEdge(edgeKey: Buffer, certificateId: string, sealed: string): string {
  return openValue(edgeKey, Buffer.from(sealed, 'base64'), certificateContext(certificateId)).toString(
    'utf8',
  );
}
