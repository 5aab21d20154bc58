import { z } from 'zod';
import { ConfigError, durationFromEnv, loadConfig, portFromEnv, urlFromEnv } from './index';

describe(loadConfig.name, () => {
  const schema = z.object({
    PORT: portFromEnv().default(8080),
    DATABASE_URL: urlFromEnv('postgresql:', 'postgres:'),
    TTL: durationFromEnv('12h'),
  });

  it('should apply defaults and coerce values', () => {
    expect(loadConfig(schema, { DATABASE_URL: 'postgresql://h/db', PORT: '9000' })).toEqual({
      PORT: 9000,
      DATABASE_URL: 'postgresql://h/db',
      TTL: 12 * 3_600_000,
    });
  });

  it('should treat empty strings as unset', () => {
    expect(loadConfig(schema, { DATABASE_URL: 'postgres://h/db', PORT: '' }).PORT).toBe(8080);
  });

  it('should name every bad variable in one error', () => {
    try {
      loadConfig(schema, { PORT: 'eighty', DATABASE_URL: 'mysql://h/db', TTL: '3 weeks' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const { problems } = error as ConfigError;
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toMatch(/PORT: .*\n?/);
      expect(problems.join('\n')).toContain('DATABASE_URL: must be a URL with scheme postgresql or postgres');
      expect(problems.join('\n')).toContain('TTL: must be a duration');
    }
  });

  it('should ignore variables the schema does not name', () => {
    expect(() => loadConfig(schema, { DATABASE_URL: 'postgres://h/db', OTHER: 'x' })).not.toThrow();
  });
});
