/**
 * The routers' certificates: for each app certificate that covers one of the app's hosts, those
 * hosts (what HAProxy may serve it for, by SNI) and the certificate with its key, sealed with the
 * edge key (`sealForEdge` of `@nimbus/crypto`). The orchestrator writes it (a Redis hash,
 * certificate id → JSON {@link EdgeCertificate}) and announces each change with a `routers`
 * wake-up naming the certificate; routers load it whole at start and on reconnect.
 */
export interface EdgeCertificate {
  appId: string;
  /** The app's own hosts the certificate is valid for: a tenant's certificate serves no other name. */
  serves: string[];
  /** SHA-256 of the leaf: a certificate's content never changes under one id. */
  fingerprint: string;
  /** The certificate, its chain and its private key, PEM, sealed for the routers. */
  sealed: string;
}

export const certificatesKey = (prefix: string) => `${prefix}certificates`;
