import { CertificateRepository, EventRepository, scopeOfRow, type Db, type SystemScope } from '@nimbus/db';

/**
 * Without NIMBUS_EDGE_KEY no router can open an app's certificate: it is stored and listed by
 * `certs`, and never served. Each certificate's app hears so once per orchestrator process, with
 * a `CertificateNotServed` Warning event, rather than from a client refusing the platform's
 * certificate on its domain.
 */
export class UnservedCertificates {
  private readonly told = new Set<string>();

  constructor(private readonly system: SystemScope) {}

  async warn(db: Db): Promise<number> {
    const events = new EventRepository(db);
    let warned = 0;
    for (const certificate of await new CertificateRepository(db).listAll(this.system)) {
      if (this.told.has(certificate.id)) continue;
      await events.recordForApp(scopeOfRow(this.system, certificate), certificate.appId, {
        type: 'Warning',
        reason: 'CertificateNotServed',
        message:
          `certificate ${certificate.name} (${certificate.hostnames.join(', ')}) is not served: ` +
          "the platform's orchestrators and routers have no NIMBUS_EDGE_KEY (ask its operator to set one)",
      });
      this.told.add(certificate.id);
      warned += 1;
    }
    return warned;
  }
}
