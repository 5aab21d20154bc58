export { startHealthServer } from './health-server';
export type { HealthServer, HealthServerOptions } from './health-server';
