import { join } from 'node:path';
import { LayoutImageStore, RegistryImageStore, type ImageStore } from '@nimbus/oci';
import type { BuilderConfig } from '../builder.config';

/**
 * Each app's images live apart: repository `TENANT_ID/APP_ID` in the registry, or a layout
 * directory of that path. Ids, not names, so a re-created app never sees another's images.
 */
export function imageStoreFor(config: BuilderConfig, tenantId: string, appId: string): ImageStore {
  const repository = `${tenantId}/${appId}`;
  if (config.NIMBUS_REGISTRY_URL) {
    const credentials =
      config.NIMBUS_REGISTRY_USERNAME && config.NIMBUS_REGISTRY_PASSWORD
        ? { username: config.NIMBUS_REGISTRY_USERNAME, password: config.NIMBUS_REGISTRY_PASSWORD }
        : undefined;
    return new RegistryImageStore({
      url: config.NIMBUS_REGISTRY_URL,
      repository,
      ...(credentials ? { credentials } : {}),
    });
  }
  return new LayoutImageStore(join(config.NIMBUS_IMAGE_LAYOUT, repository));
}
