import { z } from 'zod';

/**
 * A process type's HTTP check, as an instance is probed with it. `startup` is set for Dokku's
 * startup checks, which gate an instance: it gets `attempts` tries, `wait` seconds apart, the
 * first `initialDelay` seconds after it starts; when all fail, it has failed to start. Without
 * `startup` (a `readiness` check) the instance is probed until it answers.
 */
export interface HttpCheck {
  path: string;
  /** Seconds each request may take. */
  timeout: number;
  /** Text the response body must contain, if any. */
  content?: string;
  startup?: { attempts: number; wait: number; initialDelay: number };
}

const httpCheck = z.object({
  path: z.string().startsWith('/'),
  timeout: z.int().min(1),
  content: z.string().optional(),
  startup: z
    .object({ attempts: z.int().min(1), wait: z.int().min(0), initialDelay: z.int().min(0) })
    .optional(),
});

/** How an image label carries checks: one JSON object of process type to check. */
export function encodeHealthChecks(checks: Record<string, HttpCheck>): string {
  return JSON.stringify(checks);
}

/**
 * The checks an image's label holds, each one validated on its own: a malformed check means TCP
 * probes for its type, never a failed pull. `legacyPaths` is the label of images built before
 * checks had fields: a process type to a bare readiness path.
 */
export function decodeHealthChecks(label?: string, legacyPaths?: string): Record<string, HttpCheck> {
  const checks = checksOfPaths(parseObject(legacyPaths));
  for (const [type, value] of Object.entries(parseObject(label))) {
    const check = httpCheck.safeParse(value);
    if (check.success) checks[type] = stripUndefined(check.data);
  }
  return checks;
}

/** Bare readiness paths per process type, as images and agents wrote them before checks had fields. */
export function checksOfPaths(paths: Record<string, unknown>): Record<string, HttpCheck> {
  const checks: Record<string, HttpCheck> = {};
  for (const [type, value] of Object.entries(paths)) {
    if (typeof value === 'string' && value.startsWith('/')) checks[type] = { path: value, timeout: 5 };
  }
  return checks;
}

function parseObject(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** zod keeps optional keys it did not see as absent; exactOptionalPropertyTypes wants them so. */
function stripUndefined(check: z.infer<typeof httpCheck>): HttpCheck {
  return {
    path: check.path,
    timeout: check.timeout,
    ...(check.content !== undefined ? { content: check.content } : {}),
    ...(check.startup ? { startup: check.startup } : {}),
  };
}
