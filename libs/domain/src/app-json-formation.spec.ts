import { parseAppJson } from './app-json';
import { appJsonFormation, describeFormation, parseFormationSize } from './app-json-formation';

describe(parseFormationSize.name, () => {
  it.each([
    ['512', 512],
    ['512MB', 512],
    ['256m', 256],
    ['1G', 1024],
    ['2gb', 2048],
    ['standard-1x', 512],
    ['Standard-2X', 1024],
    ['performance-m', 2560],
    ['eco', 512],
  ])('should read %s as %i MB', (size, memoryMb) => {
    expect(parseFormationSize(size)).toBe(memoryMb);
  });

  it.each(['huge', '1TB', '-5', '', '1.5G'])('should refuse %j, naming what sizes look like', (size) => {
    expect(() => parseFormationSize(size)).toThrow(/is not a size: use memory such as 512/);
  });

  it('should refuse memory a scale could never set', () => {
    expect(() => parseFormationSize('8')).toThrow('"8" is outside 16 MB to 256 GB');
    expect(() => parseFormationSize('300G')).toThrow(/outside/);
  });
});

describe(appJsonFormation.name, () => {
  const formationOf = (formation: unknown) => appJsonFormation(parseAppJson(JSON.stringify({ formation })));

  it('should give replicas and memory per process type', () => {
    expect(
      formationOf({
        web: { quantity: 2, size: 'standard-2x' },
        worker: { quantity: 1 },
        clock: { size: '256' },
      }),
    ).toEqual({ web: { replicas: 2, memoryMb: 1024 }, worker: { replicas: 1 }, clock: { memoryMb: 256 } });
  });

  it('should be empty without a formation', () => {
    expect(appJsonFormation(parseAppJson('{}'))).toEqual({});
  });

  it('should name the field of a bad size or quantity', () => {
    expect(() => formationOf({ worker: { size: 'giant' } })).toThrow(
      /^app\.json: formation\.worker\.size "giant"/,
    );
    expect(() => formationOf({ web: { quantity: 500 } })).toThrow(
      'app.json: formation.web.quantity 500 is over the limit of 100',
    );
  });
});

describe(describeFormation.name, () => {
  it('should read like ps:scale arguments', () => {
    expect(
      describeFormation({
        web: { replicas: 2, memoryMb: 512 },
        worker: { replicas: 1 },
        clock: { memoryMb: 256 },
      }),
    ).toBe('web=2:512MB worker=1 clock=:256MB');
  });
});
