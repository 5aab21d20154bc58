export { createNimbusClient, problemOf } from './client';
export type { NimbusClient, Problem } from './client';
export type { paths, components, operations } from './generated/api';
