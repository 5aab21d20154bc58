/** Redis keys the control plane shares, under the platform prefix (pub/sub channels: see wake.ts). */

/** An app's log lines, capped: fields `at`, `type`, `instance`, `stream`, `line`. */
export const appLogKey = (prefix: string, appId: string) => `${prefix}logs:${appId}`;

/** Lines kept per app. */
export const APP_LOG_MAX_LINES = 10_000;
