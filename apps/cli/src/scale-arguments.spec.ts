import { CliError } from './errors';
import { parseScaleArguments } from './scale-arguments';

describe(parseScaleArguments.name, () => {
  it('should read replicas, and memory in MB or GB', () => {
    expect(parseScaleArguments(['web=3', 'worker=2:512', 'clock=1:1GB', 'big=0:2g', 'mid=1:768M'])).toEqual([
      { type: 'web', replicas: 3 },
      { type: 'worker', replicas: 2, memoryMb: 512 },
      { type: 'clock', replicas: 1, memoryMb: 1024 },
      { type: 'big', replicas: 0, memoryMb: 2048 },
      { type: 'mid', replicas: 1, memoryMb: 768 },
    ]);
  });

  it('should resize without changing replicas when only memory is given', () => {
    expect(parseScaleArguments(['web=:1024'])).toEqual([{ type: 'web', memoryMb: 1024 }]);
  });

  it('should keep the last argument for a type', () => {
    expect(parseScaleArguments(['web=1', 'web=4'])).toEqual([{ type: 'web', replicas: 4 }]);
  });

  it.each([
    'web=abc',
    'web=',
    'web',
    '=3',
    'web=-1',
    'web=1.5',
    'web=2:',
    'web=2:lots',
    'web=2:512KB',
    'web=:',
  ])('should refuse %p', (arg) => {
    expect(() => parseScaleArguments([arg])).toThrow(CliError);
    expect(() => parseScaleArguments([arg])).toThrow(`"${arg}" is not TYPE=REPLICAS[:MEMORY]`);
  });

  it('should refuse no arguments at all', () => {
    expect(() => parseScaleArguments([])).toThrow('name the process types to scale');
  });
});
