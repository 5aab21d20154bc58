import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { configKey } from './config-keys';
import type { HttpCheck } from './health-checks';

/**
 * The parts of Heroku's app.json that Nimbus honours. Unknown keys are allowed (app.json files
 * carry many fields for other tools), known ones are validated strictly.
 */
const envEntry = z.union([
  z.string(),
  z
    .object({
      value: z.string().optional(),
      description: z.string().optional(),
      required: z.boolean().optional(),
      generator: z.literal('secret').optional(),
    })
    .loose(),
]);

const healthCheck = z
  .object({
    type: z.enum(['startup', 'liveness', 'readiness']).default('startup'),
    name: z.string().optional(),
    path: z.string().startsWith('/').optional(),
    port: z.int().min(1).max(65535).optional(),
    attempts: z.int().min(1).max(100).default(3),
    timeout: z.int().min(1).max(300).default(5),
    wait: z.int().min(0).max(300).default(5),
    initialDelay: z.int().min(0).max(600).default(0),
    content: z.string().optional(),
  })
  .loose();

export const appJsonSchema = z
  .object({
    name: z.string().optional(),
    env: z.record(configKey(), envEntry).optional(),
    formation: z
      .record(
        z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a process type'),
        z.object({ quantity: z.int().min(0).max(1000).optional(), size: z.string().optional() }).loose(),
      )
      .optional(),
    scripts: z
      .object({ postdeploy: z.string().min(1).optional() })
      .loose()
      .optional(),
    // Dokku's format, the de facto standard for checks in app.json: per process type, a list.
    healthchecks: z.record(z.string(), z.array(healthCheck)).optional(),
  })
  .loose();

export type AppJson = z.infer<typeof appJsonSchema>;

/**
 * Parses app.json text, tolerating `//` and `/* *\/` comments as Heroku does (JSONC); the error
 * names the failing field, or the line and column of a syntax error, for the build output.
 */
export function parseAppJson(text: string): AppJson {
  const errors: ParseError[] = [];
  const data: unknown = parseJsonc(text, errors, { disallowComments: false, allowTrailingComma: false });
  const [syntax] = errors;
  if (syntax) throw new Error(`app.json is not valid JSON: ${describeSyntaxError(text, syntax)}`);
  const parsed = appJsonSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `app.json: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

/** "comma expected at line 3, column 5", from the parser's code and offset. */
function describeSyntaxError(text: string, error: ParseError): string {
  const before = text.slice(0, error.offset).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  // InvalidSymbol → "invalid symbol": the code's words, as a sentence.
  const what = printParseErrorCode(error.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return `${what} at line ${line}, column ${column}`;
}

/** The default values app.json gives for config vars (entries with a `value`, or a bare string). */
export function appJsonEnvDefaults(appJson: AppJson): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [key, entry] of Object.entries(appJson.env ?? {})) {
    const value = typeof entry === 'string' ? entry : entry.value;
    if (value !== undefined) defaults[key] = value;
  }
  return defaults;
}

/**
 * The HTTP check per process type from app.json's checks (Dokku's startup checks, or readiness
 * ones): the first check of each type with a path. Types without one are probed by TCP.
 */
export function appJsonHealthChecks(appJson: AppJson): Record<string, HttpCheck> {
  const checks: Record<string, HttpCheck> = {};
  for (const [type, declared] of Object.entries(appJson.healthchecks ?? {})) {
    const check = declared.find((candidate) => candidate.type !== 'liveness' && candidate.path);
    if (!check?.path) continue;
    checks[type] = {
      path: check.path,
      timeout: check.timeout,
      ...(check.content !== undefined ? { content: check.content } : {}),
      ...(check.type === 'startup'
        ? { startup: { attempts: check.attempts, wait: check.wait, initialDelay: check.initialDelay } }
        : {}),
    };
  }
  return checks;
}
