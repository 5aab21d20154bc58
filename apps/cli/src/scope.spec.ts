import {
  describeScope,
  parseTarget,
  resolveApp,
  resolveNamespace,
  resolveScope,
  resolveTenant,
} from './scope';

const target = { tenant: 'acme', namespace: 'prod' };

describe(resolveApp.name, () => {
  it('should resolve a bare name in the target and take a full reference as is', () => {
    expect(resolveApp('web', target)).toEqual({ tenant: 'acme', namespace: 'prod', app: 'web' });
    expect(resolveApp('beta/dev/api', target)).toEqual({ tenant: 'beta', namespace: 'dev', app: 'api' });
    expect(resolveApp('beta/dev/api', undefined)).toEqual({ tenant: 'beta', namespace: 'dev', app: 'api' });
  });

  it('should ask for a target when a bare name has none', () => {
    expect(() => resolveApp('web', undefined)).toThrow('nimbus target TENANT/NAMESPACE');
  });

  it('should refuse two-part and empty-part references', () => {
    expect(() => resolveApp('prod/web', target)).toThrow('invalid app reference');
    expect(() => resolveApp('acme//web', target)).toThrow('invalid app reference');
  });
});

describe(parseTarget.name, () => {
  it('should need exactly TENANT/NAMESPACE', () => {
    expect(parseTarget('acme/prod')).toEqual(target);
    for (const bad of ['acme', 'acme/', '/prod', 'a/b/c'])
      expect(() => parseTarget(bad)).toThrow('use TENANT/NAMESPACE');
  });
});

describe(resolveScope.name, () => {
  it('should accept exactly one of -a, --tenant and --namespace', () => {
    expect(resolveScope({ app: 'web' }, target)).toEqual({ scope: 'app', ...target, app: 'web' });
    expect(resolveScope({ tenant: 'beta' }, target)).toEqual({ scope: 'tenant', tenant: 'beta' });
    expect(resolveScope({ namespace: 'beta/dev' }, undefined)).toEqual({
      scope: 'namespace',
      tenant: 'beta',
      namespace: 'dev',
    });
    expect(resolveScope({ namespace: 'dev' }, target)).toEqual({
      scope: 'namespace',
      tenant: 'acme',
      namespace: 'dev',
    });
    expect(() => resolveScope({}, target)).toThrow('name a scope');
    expect(() => resolveScope({ app: 'web', tenant: 'acme' }, target)).toThrow('only one of');
  });

  it('should describe each scope by its full name', () => {
    expect(describeScope(resolveScope({ app: 'web' }, target))).toBe('app acme/prod/web');
    expect(describeScope(resolveScope({ namespace: 'dev' }, target))).toBe('namespace acme/dev');
  });
});

describe(resolveTenant.name, () => {
  it('should prefer --tenant, fall back to the target and fail without either', () => {
    expect(resolveTenant('beta', target)).toBe('beta');
    expect(resolveTenant(undefined, target)).toBe('acme');
    expect(() => resolveTenant(undefined, undefined)).toThrow('--tenant');
    expect(() => resolveNamespace('dev', undefined)).toThrow('nimbus target');
  });
});
