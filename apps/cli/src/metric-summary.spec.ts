import { sparkline, summarise } from './metric-summary';

describe(summarise.name, () => {
  it('should leave steps with no data out', () => {
    expect(summarise([null, 2, null, 4, 6, null])).toEqual({ latest: 6, min: 2, avg: 4, max: 6 });
  });

  it('should say nothing of a series with no data', () => {
    expect(summarise([null, null])).toEqual({ latest: null, min: null, avg: null, max: null });
    expect(summarise([])).toEqual({ latest: null, min: null, avg: null, max: null });
  });
});

describe(sparkline.name, () => {
  it('should draw each value between the lowest and highest bar', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
  });

  it('should leave a space where there is no data, and draw a flat series low', () => {
    expect(sparkline([5, null, 5])).toBe('▁ ▁');
  });

  it('should average neighbouring steps to fit the width', () => {
    expect(sparkline([0, 0, 7, 7, 0, 0, 7, 7], 4)).toBe('▁█▁█');
    expect(sparkline(Array.from({ length: 120 }, (_, i) => i))).toHaveLength(30);
  });
});
