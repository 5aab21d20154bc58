import {
  configKey,
  mergeEnvironment,
  parseAppReference,
  resourceName,
  roleAtLeast,
  weakerRole,
  type ScopedEntry,
} from './index';

describe('roles', () => {
  it('should order owner > admin > developer > viewer', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('developer', 'developer')).toBe(true);
    expect(roleAtLeast('developer', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'developer')).toBe(false);
  });

  it('should cap a member role by a token role, never raise it', () => {
    expect(weakerRole('owner', 'viewer')).toBe('viewer');
    expect(weakerRole('viewer', 'owner')).toBe('viewer');
    expect(weakerRole('admin', null)).toBe('admin');
  });
});

describe('resource names', () => {
  it.each(['a', 'web', 'my-app-2', 'x'.repeat(30)])('should accept %s', (name) => {
    expect(resourceName().safeParse(name).success).toBe(true);
  });
  it.each(['', 'App', '2fast', 'end-', 'a--b', 'a_b', 'x'.repeat(31), 'a.b'])('should refuse %j', (name) => {
    expect(resourceName().safeParse(name).success).toBe(false);
  });
});

describe('config keys', () => {
  it.each(['DATABASE_URL', '_x', 'a1'])('should accept %s', (key) => {
    expect(configKey().safeParse(key).success).toBe(true);
  });
  it.each(['1A', 'A-B', 'PORT', 'NIMBUS_APP', ''])('should refuse %j', (key) => {
    expect(configKey().safeParse(key).success).toBe(false);
  });
});

describe(mergeEnvironment.name, () => {
  const entry = (key: string, scope: ScopedEntry<string>['scope'], value: string): ScopedEntry<string> => ({
    key,
    scope,
    value,
    secret: false,
  });

  it('should let the app beat the namespace beat the tenant, and say what it hides', () => {
    const merged = mergeEnvironment([
      entry('LOG', 'tenant', 't'),
      entry('LOG', 'app', 'a'),
      entry('LOG', 'namespace', 'n'),
      entry('REGION', 'tenant', 'eu'),
      entry('DEBUG', 'namespace', '1'),
    ]);
    expect(merged).toEqual([
      { key: 'DEBUG', scope: 'namespace', value: '1', secret: false, overrides: [] },
      { key: 'LOG', scope: 'app', value: 'a', secret: false, overrides: ['namespace', 'tenant'] },
      { key: 'REGION', scope: 'tenant', value: 'eu', secret: false, overrides: [] },
    ]);
  });

  it('should give an empty environment for no entries', () => {
    expect(mergeEnvironment([])).toEqual([]);
  });
});

describe(parseAppReference.name, () => {
  it('should read relative and absolute references', () => {
    expect(parseAppReference('web')).toEqual({ app: 'web' });
    expect(parseAppReference('acme/prod/web')).toEqual({ tenant: 'acme', namespace: 'prod', app: 'web' });
  });
  it.each(['acme/web', 'a//b', '/x', 'a/b/c/d'])('should refuse %j', (reference) => {
    expect(() => parseAppReference(reference)).toThrow(/invalid app reference/);
  });
});
