import { resolve } from 'node:path';
import { z } from 'zod';

/** A TCP port number given as a decimal string. */
export const portFromEnv = () => z.coerce.number().int().min(0).max(65535);

/** A URL whose scheme is one of `protocols` (e.g. `postgresql:`). */
export const urlFromEnv = (...protocols: string[]) =>
  z.url().refine((value) => protocols.includes(new URL(value).protocol), {
    message: `must be a URL with scheme ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')}`,
  });

/** `true`/`false`/`1`/`0`, since `z.coerce.boolean()` would read "false" as true. */
export const booleanFromEnv = () =>
  z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as `500ms`, `30s`, `15m`, `12h` or `30d`, parsed to milliseconds. */
export const durationFromEnv = (fallback: string) =>
  z
    .string()
    .regex(DURATION, 'must be a duration such as 500ms, 30s, 15m, 12h or 30d')
    .default(fallback)
    .transform((value) => {
      const [, amount, unit] = DURATION.exec(value) as RegExpExecArray;
      return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
    });

/** A value `parse` accepts, its error message becoming the variable's. */
export const parsedFromEnv = <T>(parse: (value: string) => T) =>
  z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** A comma-separated list of values `parse` accepts; empty by default. */
export const listFromEnv = <T>(parse: (value: string) => T) =>
  z
    .string()
    .default('')
    .transform((value, ctx) => {
      const items: T[] = [];
      for (const item of value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)) {
        try {
          items.push(parse(item));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }
      return items;
    });

/** A directory, made absolute against the working directory at start-up. */
export const pathFromEnv = (fallback: string) =>
  z
    .string()
    .min(1)
    .default(fallback)
    .transform((path) => resolve(path));
