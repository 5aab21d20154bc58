export interface AppReference {
  tenant?: string;
  namespace?: string;
  app: string;
}

/**
 * `-a APP` resolves in the current target; `-a TENANT/NAMESPACE/APP` is absolute. Anything else
 * (two parts, empty parts) is refused rather than guessed at.
 */
export function parseAppReference(reference: string): AppReference {
  const parts = reference.split('/');
  if (parts.some((part) => part === '')) throw new Error(`invalid app reference "${reference}"`);
  if (parts.length === 1) return { app: parts[0] as string };
  if (parts.length === 3) {
    const [tenant, namespace, app] = parts as [string, string, string];
    return { tenant, namespace, app };
  }
  throw new Error(`invalid app reference "${reference}": use APP or TENANT/NAMESPACE/APP`);
}
