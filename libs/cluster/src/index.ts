export type {
  Assignment,
  AssignmentEvent,
  AssignmentList,
  InstancePhase,
  InstanceStatus,
  LogEntry,
  NodeRegistration,
  Probe,
  RegisteredNode,
  RuntimeKind,
} from './agent-protocol';
export { FINISHED_PHASES } from './agent-protocol';
export { APP_LOG_MAX_LINES, appLogKey, nodeWakeChannel, orchestratorWakeChannel } from './channels';
export { decodeWake, encodeWake } from './wake';
export type { OrchestratorWake } from './wake';
export { decodeEndpoints, encodeEndpoints, endpointsChannel, endpointsKey } from './endpoints';
export type { Endpoint } from './endpoints';
export { Scheduler } from './scheduler';
export type { NamespaceQuota, Placement, PlacementRequest, SchedulableNode } from './scheduler';
