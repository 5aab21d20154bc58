import { z } from 'zod';

/** Set by the platform in every instance; a user value would be overwritten, so it is refused. */
const RESERVED_CONFIG_KEYS = ['PORT'] as const;
const RESERVED_PREFIX = 'NIMBUS_';

export function isReservedConfigKey(key: string): boolean {
  return (RESERVED_CONFIG_KEYS as readonly string[]).includes(key) || key.startsWith(RESERVED_PREFIX);
}

/** POSIX-portable environment variable names, as Heroku accepts them. */
export const configKey = () =>
  z
    .string()
    .max(256)
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'must start with a letter or underscore and contain only letters, digits and underscores',
    )
    .refine((key) => !isReservedConfigKey(key), 'is reserved by Nimbus (PORT and NIMBUS_*)');

/** Values are strings of at most 32 KiB, with no NUL byte (an environment cannot carry one). */
export const configValue = () =>
  z
    .string()
    .max(32_768)
    .refine((value) => !value.includes('\0'), 'must not contain a NUL byte');
