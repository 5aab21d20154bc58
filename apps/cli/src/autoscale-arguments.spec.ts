import { autoscalerBody, parsePolicies, parseSeconds } from './autoscale-arguments';
import { CliError } from './errors';

describe(parsePolicies.name, () => {
  it('should read pods and percent policies with their periods', () => {
    expect(parsePolicies('--up-policy', 'pods=4/15s,percent=100/15s')).toEqual([
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ]);
  });

  it('should take a percent sign, minutes, bare seconds and any case', () => {
    expect(parsePolicies('--down-policy', 'Percent=50%/1m, PODS=1/30')).toEqual([
      { type: 'Percent', value: 50, periodSeconds: 60 },
      { type: 'Pods', value: 1, periodSeconds: 30 },
    ]);
  });

  it.each(['pods=4', 'pods/15s', 'nodes=4/15s', 'pods=-1/15s', 'pods=1.5/15s', 'pods=4/15ms', ''])(
    'should refuse %p with the flag and an example',
    (value) => {
      expect(() => parsePolicies('--up-policy', value)).toThrow(CliError);
      expect(() => parsePolicies('--up-policy', value)).toThrow(
        /^--up-policy: ".*" is not TYPE=VALUE\/PERIOD, such as pods=4\/15s or percent=100\/15s$/,
      );
    },
  );
});

describe(parseSeconds.name, () => {
  it.each([
    ['0s', 0],
    ['300s', 300],
    ['5m', 300],
    ['1h', 3600],
    ['45', 45],
  ])('should read %p as %p seconds', (value, seconds) => {
    expect(parseSeconds('--down-window', value)).toBe(seconds);
  });

  it.each(['500ms', '-1s', 'soon', '1.5m'])('should refuse %p', (value) => {
    expect(() => parseSeconds('--down-window', value)).toThrow(
      `--down-window must be a duration such as 0s, 300s or 5m, not "${value}"`,
    );
  });
});

describe(autoscalerBody.name, () => {
  it('should send only what was given', () => {
    expect(autoscalerBody({ min: '0', max: '10' })).toEqual({ min: 0, max: 10 });
  });

  it('should send targets, the idle timeout and both directions of behavior', () => {
    expect(
      autoscalerBody({
        min: '1',
        max: '10',
        cpu: '70%',
        concurrency: '50',
        rps: '12.5',
        idle: '30s',
        upWindow: '0s',
        upPolicy: 'pods=4/15s',
        upSelect: 'MIN',
        downWindow: '5m',
        downSelect: 'disabled',
      }),
    ).toEqual({
      min: 1,
      max: 10,
      cpu: 70,
      concurrency: 50,
      rps: 12.5,
      idleTimeout: '30s',
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }],
          selectPolicy: 'Min',
        },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Disabled' },
      },
    });
  });

  it.each<[Record<string, string>, string]>([
    [{ max: '3' }, 'give both --min and --max, such as --min 1 --max 10'],
    [{ min: '1' }, 'give both --min and --max, such as --min 1 --max 10'],
    [{ min: 'one', max: '3' }, '--min must be a whole number of instances, not "one"'],
    [{ min: '1', max: '2.5' }, '--max must be a whole number of instances, not "2.5"'],
    [{ min: '1', max: '3', cpu: '0' }, '--cpu must be a number above 0, not "0"'],
    [{ min: '1', max: '3', concurrency: 'lots' }, '--concurrency must be a number above 0, not "lots"'],
    [{ min: '1', max: '3', rps: '-2' }, '--rps must be a number above 0, not "-2"'],
    [{ min: '1', max: '3', upSelect: 'biggest' }, '--up-select must be max, min or disabled, not "biggest"'],
    [{ min: '1', max: '3', downWindow: 'later' }, '--down-window must be a duration such as 0s, 300s or 5m'],
  ])('should refuse %p before sending anything', (options, message) => {
    expect(() => autoscalerBody(options)).toThrow(message);
  });
});
