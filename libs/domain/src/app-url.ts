/** Where an app answers: APP.NAMESPACE.TENANT.DOMAIN, every part a DNS label by construction. */
export function appHostname(app: { tenant: string; namespace: string; app: string }, domain: string): string {
  return `${app.app}.${app.namespace}.${app.tenant}.${domain}`;
}

export function appUrl(
  app: { tenant: string; namespace: string; app: string },
  domain: string,
  port: number,
): string {
  return `http://${appHostname(app, domain)}${port === 80 ? '' : `:${port}`}/`;
}
