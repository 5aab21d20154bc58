import { appJsonEnvDefaults, parseAppJson } from './app-json';

describe(parseAppJson.name, () => {
  it('should read env defaults, formation, postdeploy and health checks, keeping unknown keys', () => {
    const appJson = parseAppJson(
      JSON.stringify({
        name: 'shop',
        logo: 'https://example.test/logo.png',
        env: {
          LOG_LEVEL: 'info',
          SECRET_KEY: { generator: 'secret' },
          REGION: { value: 'eu', description: 'where' },
        },
        formation: { web: { quantity: 2, size: 'standard-1x' }, worker: { quantity: 1 } },
        scripts: { postdeploy: 'npm run seed' },
        healthchecks: { web: [{ type: 'startup', path: '/health', attempts: 5 }] },
      }),
    );
    expect(appJsonEnvDefaults(appJson)).toEqual({ LOG_LEVEL: 'info', REGION: 'eu' });
    expect(appJson.formation?.web?.quantity).toBe(2);
    expect(appJson.scripts?.postdeploy).toBe('npm run seed');
    expect(appJson.healthchecks?.web?.[0]).toMatchObject({
      path: '/health',
      attempts: 5,
      timeout: 5,
      type: 'startup',
    });
    expect(appJson.logo).toBe('https://example.test/logo.png');
  });

  it('should name the failing field', () => {
    expect(() => parseAppJson('{"formation": {"web": {"quantity": -1}}}')).toThrow(
      /^app\.json: formation\.web\.quantity/,
    );
    expect(() => parseAppJson('{"healthchecks": {"web": [{"path": "health"}]}}')).toThrow(
      /healthchecks\.web\.0\.path/,
    );
    expect(() => parseAppJson('{"env": {"PORT": "80"}}')).toThrow(/env\.PORT/);
  });

  it('should refuse text that is not JSON', () => {
    expect(() => parseAppJson('{ name: shop }')).toThrow(/^app\.json is not valid JSON/);
  });
});
