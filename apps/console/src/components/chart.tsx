import { useEffect, useRef, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

const darkScheme = window.matchMedia('(prefers-color-scheme: dark)');
const subscribeToScheme = (changed: () => void) => {
  darkScheme.addEventListener('change', changed);
  return () => darkScheme.removeEventListener('change', changed);
};

const COLOURS = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444'];
const HEIGHT = 180;

/**
 * A time series chart (uPlot: small, and fast with thousands of points). Its box has a fixed
 * height, so data arriving never moves the page; a table of the latest values stands in for the
 * picture for screen readers.
 */
export function Chart({
  title,
  unit,
  at,
  series,
}: {
  title: string;
  unit: string;
  at: number[];
  series: ChartSeries[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const aligned = () =>
    [at.map((ms) => ms / 1000), ...series.map((entry) => entry.values)] as uPlot.AlignedData;
  const latest = useRef(aligned);
  latest.current = aligned;
  const shape = series.map((entry) => entry.label).join('|');
  // Canvas axes take colours, not CSS: the chart is drawn anew when the system's scheme flips.
  const dark = useSyncExternalStore(subscribeToScheme, () => darkScheme.matches);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    // Axes in the page's own colours, so the chart reads in dark mode too.
    const style = getComputedStyle(element);
    const text = style.color;
    const grid = style.getPropertyValue('--line').trim() || 'rgba(128,128,128,0.3)';
    const axis = { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid } };
    const chart = new uPlot(
      {
        width: element.clientWidth || 300,
        height: HEIGHT,
        legend: { show: true },
        axes: [axis, { ...axis, label: unit, size: 50 }],
        series: [
          {},
          ...series.map((entry, index) => ({
            label: entry.label,
            stroke: COLOURS[index % COLOURS.length],
            width: 2,
          })),
        ],
      },
      latest.current(),
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series or the colours change, not on every new point.
  }, [shape, unit, dark]);

  useEffect(() => {
    plot.current?.setData(latest.current());
  }, [at, series]);

  const points = series.reduce(
    (count, entry) => count + entry.values.filter((value) => value !== null).length,
    0,
  );
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-box" data-points={points} aria-hidden="true" />
      <table className="visually-hidden">
        <caption>{title}, latest values</caption>
        <tbody>
          {series.map((entry) => (
            <tr key={entry.label}>
              <th scope="row">{entry.label}</th>
              <td>
                {entry.values.findLast((value) => value !== null) ?? 'no data'} {unit}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
