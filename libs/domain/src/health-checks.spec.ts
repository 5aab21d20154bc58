import { appJsonHealthChecks, parseAppJson } from './app-json';
import { decodeHealthChecks, encodeHealthChecks } from './health-checks';

describe('HTTP checks in image labels', () => {
  it('should carry a startup check with its attempts, wait, delay, timeout and content', () => {
    const appJson = parseAppJson(
      JSON.stringify({
        healthchecks: {
          web: [
            { type: 'liveness', path: '/alive' },
            {
              type: 'startup',
              path: '/health?deep=1',
              attempts: 2,
              wait: 1,
              initialDelay: 3,
              timeout: 7,
              content: 'ok & well',
            },
          ],
          worker: [{ type: 'startup', name: 'no path' }],
        },
      }),
    );
    const checks = appJsonHealthChecks(appJson);
    expect(decodeHealthChecks(encodeHealthChecks(checks))).toEqual({
      web: {
        path: '/health?deep=1',
        timeout: 7,
        content: 'ok & well',
        startup: { attempts: 2, wait: 1, initialDelay: 3 },
      },
    });
  });

  it('should apply Dokku’s defaults to a startup check that names only a path', () => {
    expect(appJsonHealthChecks(parseAppJson('{"healthchecks":{"web":[{"path":"/"}]}}'))).toEqual({
      web: { path: '/', timeout: 5, startup: { attempts: 3, wait: 5, initialDelay: 0 } },
    });
  });

  it('should keep a readiness check ungated, and read an older image’s bare paths as such checks', () => {
    const checks = appJsonHealthChecks(
      parseAppJson('{"healthchecks":{"web":[{"type":"readiness","path":"/ready"}]}}'),
    );
    expect(checks).toEqual({ web: { path: '/ready', timeout: 5 } });
    expect(decodeHealthChecks(undefined, '{"web":"/ready","worker":"nope"}')).toEqual(checks);
  });

  it('should leave out what is not a check, so that its type is probed by TCP', () => {
    const label = JSON.stringify({
      web: { path: '/ok', timeout: 2 },
      bad: { path: 'relative', timeout: 5 },
      worse: { path: '/x', timeout: 0, startup: { attempts: -1, wait: 'soon', initialDelay: 0 } },
    });
    expect(decodeHealthChecks(label)).toEqual({ web: { path: '/ok', timeout: 2 } });
    expect(decodeHealthChecks('not json')).toEqual({});
    expect(decodeHealthChecks('[1]')).toEqual({});
  });
});
