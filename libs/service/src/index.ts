export { startHealthServer } from './health-server';
export type { HealthServer, HealthServerOptions } from './health-server';
export { onShutdown, runService } from './run-service';
export { superviseWorkers } from './supervise-workers';
