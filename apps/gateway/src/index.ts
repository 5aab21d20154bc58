/**
 * The gateway's public entry, for what drives it from outside its package (root tests, tools):
 * build the app from a parsed config, and reach services no route exposes yet.
 */
export { createGatewayApp } from './create-app';
export { gatewayConfigSchema, loadGatewayConfig } from './gateway.config';
export type { GatewayConfig } from './gateway.config';
export { ReleasesService } from './releases/releases.service';
