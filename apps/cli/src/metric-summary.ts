const BARS = '▁▂▃▄▅▆▇█';

export interface Summary {
  /** The most recent value reported (the latest step may have none yet). */
  latest: number | null;
  min: number | null;
  avg: number | null;
  max: number | null;
}

/** Latest, min, average and max of a series' values; steps with no data are left out. */
export function summarise(values: (number | null)[]): Summary {
  const known = values.filter((value): value is number => value !== null);
  if (!known.length) return { latest: null, min: null, avg: null, max: null };
  return {
    latest: known.at(-1) as number,
    min: Math.min(...known),
    avg: known.reduce((sum, value) => sum + value, 0) / known.length,
    max: Math.max(...known),
  };
}

/**
 * The series as one line of at most `width` bars, low to high between its own min and max;
 * consecutive steps are averaged to fit, and a stretch with no data is a space.
 */
export function sparkline(values: (number | null)[], width = 30): string {
  const columns = Math.min(width, values.length);
  const averaged = Array.from({ length: columns }, (_, column) => {
    const slice = values.slice(
      Math.floor((column * values.length) / columns),
      Math.floor(((column + 1) * values.length) / columns),
    );
    return summarise(slice).avg;
  });
  const { min, max } = summarise(averaged);
  return averaged
    .map((value) => {
      if (value === null || min === null || max === null) return ' ';
      const level = max === min ? 0 : Math.round(((value - min) / (max - min)) * (BARS.length - 1));
      return BARS[level];
    })
    .join('');
}
