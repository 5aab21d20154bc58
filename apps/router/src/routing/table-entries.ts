import { z } from 'zod';
import type { EdgeCertificate } from '@nimbus/cluster';
import { toUpstream, type AppRoute } from './balancer';

/** Validated here: a bad entry written by anyone must cost one app its route, not the router. */
const endpointsSchema = z.array(
  z.object({
    instanceId: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535),
  }),
);
const entrySchema = z.union([
  z.object({
    appId: z.string().min(1),
    activatable: z.boolean(),
    starting: z.boolean().default(false),
    endpoints: endpointsSchema,
    httpsRedirect: z.boolean().default(false),
  }),
  // The bare array an orchestrator older than the activator writes, met during an upgrade: such
  // an app is not known to be activatable, and its id is not known at all.
  endpointsSchema.transform((endpoints) => ({
    appId: '',
    activatable: false,
    starting: false,
    endpoints,
    httpsRedirect: false,
  })),
]);
const certificateSchema = z.object({
  appId: z.string().min(1),
  serves: z.array(z.string().min(1)).min(1),
  fingerprint: z.string().min(1),
  sealed: z.string().min(1),
});

/** One hash field as a route; throws on an entry that is not JSON or not an entry. */
export function parseRoute(host: string, text: string): AppRoute {
  const { appId, activatable, starting, endpoints, httpsRedirect } = entrySchema.parse(JSON.parse(text));
  return {
    host: host.toLowerCase(),
    appId,
    // Held either way; the orchestrator adds an instance for held requests only when it may.
    activatable: activatable || starting,
    httpsRedirect,
    upstreams: endpoints.map(toUpstream),
    next: 0,
  };
}

/** One certificate's entry; throws on one that is not JSON or not an entry. */
export function parseCertificateEntry(text: string): EdgeCertificate {
  return certificateSchema.parse(JSON.parse(text));
}
