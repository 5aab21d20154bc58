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

  it('should accept // and /* */ comments, as Heroku does', () => {
    const appJson = parseAppJson(
      [
        '// app.json for the shop',
        '{',
        '  /* shown in the dashboard */',
        '  "name": "shop", // the app',
        '  "env": { "LOG_LEVEL": "info" /* default */ },',
        '  "formation": { "web": { "quantity": 2 } }',
        '}',
      ].join('\n'),
    );
    expect(appJson.name).toBe('shop');
    expect(appJsonEnvDefaults(appJson)).toEqual({ LOG_LEVEL: 'info' });
    expect(appJson.formation?.web?.quantity).toBe(2);
    // A comment marker inside a string is text, not a comment.
    expect(parseAppJson('{"name": "a//b /* c */"}').name).toBe('a//b /* c */');
  });

  it('should say where a syntax error is, and still name a failing field in commented text', () => {
    expect(() => parseAppJson('{\n  // comment\n  "name": "shop"\n  "env": {}\n}')).toThrow(
      'app.json is not valid JSON: comma expected at line 4, column 3',
    );
    expect(() => parseAppJson('{ "name": "shop", /* unterminated }')).toThrow(
      /^app\.json is not valid JSON: unexpected end of comment at line 1, column 19/,
    );
    expect(() => parseAppJson('')).toThrow(
      /^app\.json is not valid JSON: value expected at line 1, column 1/,
    );
    expect(() =>
      parseAppJson('{\n  // two web instances\n  "formation": { "web": { "quantity": "two" } }\n}'),
    ).toThrow(/^app\.json: formation\.web\.quantity/);
  });
});
