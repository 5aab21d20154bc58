import { z } from 'zod';

export const RESOURCE_NAME_RULE =
  'must be 1-30 characters of lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen';

/**
 * Tenants, namespaces and apps are named by DNS labels, since all three appear in an app's
 * host name (APP.NAMESPACE.TENANT.domain); 30 characters keeps the whole name readable.
 */
export const resourceName = () =>
  z
    .string()
    .regex(/^[a-z](?:[a-z0-9-]{0,28}[a-z0-9])?$/, RESOURCE_NAME_RULE)
    .refine((name) => !name.includes('--'), 'must not contain two hyphens in a row');
