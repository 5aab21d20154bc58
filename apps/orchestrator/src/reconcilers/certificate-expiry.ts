import { CertificateRepository, EventRepository, scopeOfRow, type Db, type SystemScope } from '@nimbus/db';

/** Let's Encrypt renews 30 days ahead: a certificate this close to its end is worth an event. */
export const EXPIRY_WARNING_MS = 30 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Warns each app, once per certificate, with a `CertificateExpiring` event when one of its
 * certificates is within 30 days of its end (or past it): the routers go on serving it, and
 * clients will refuse it once it has expired.
 */
export class CertificateExpiry {
  constructor(private readonly system: SystemScope) {}

  async warn(db: Db, now: Date): Promise<number> {
    const certificates = new CertificateRepository(db);
    const events = new EventRepository(db);
    const due = await certificates.listUnwarnedExpiring(
      this.system,
      new Date(now.getTime() + EXPIRY_WARNING_MS),
    );
    let warned = 0;
    for (const certificate of due) {
      if (!(await certificates.markExpiryWarned(this.system, certificate.id, now))) continue;
      const left = certificate.notAfter.getTime() - now.getTime();
      const days = Math.max(1, Math.floor(left / DAY_MS));
      const when =
        left <= 0
          ? `expired on ${certificate.notAfter.toISOString()}`
          : `expires on ${certificate.notAfter.toISOString()} (in ${days} day${days === 1 ? '' : 's'})`;
      await events.recordForApp(scopeOfRow(this.system, certificate), certificate.appId, {
        type: 'Warning',
        reason: 'CertificateExpiring',
        message: `certificate ${certificate.name} (${certificate.hostnames.join(', ')}) ${when}: add a renewed one with certs:add`,
      });
      warned += 1;
    }
    return warned;
  }
}
