/** Redis keys and pub/sub channels the control plane shares; every one under the platform prefix. */

/** Wakes the orchestrator's controllers: the message names what changed (see `encodeWake`). */
export const orchestratorWakeChannel = (prefix: string) => `${prefix}wake:orchestrator`;

/** Wakes the watches of one node's assignments: the message is the new resource version. */
export const nodeWakeChannel = (prefix: string, nodeId: string) => `${prefix}wake:node:${nodeId}`;

/** An app's log lines, capped: fields `at`, `type`, `instance`, `stream`, `line`. */
export const appLogKey = (prefix: string, appId: string) => `${prefix}logs:${appId}`;

/** Lines kept per app. */
export const APP_LOG_MAX_LINES = 10_000;
