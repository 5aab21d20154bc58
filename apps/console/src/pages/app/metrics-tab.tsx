import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, must, type Schemas } from '../../api/client';
import type { AppRef } from '../../api/paths';
import { Chart } from '../../components/chart';
import { ProblemMessage } from '../../components/problem';

const WINDOWS = ['5m', '15m', '1h'] as const;

type Series = Schemas['AppMetricsDto_Output']['processTypes'][number]['series'];

/** The charts of each process type, and which series each draws. */
const CHARTS: { title: string; unit: string; lines: [string, keyof Series][] }[] = [
  { title: 'requests per second', unit: 'req/s', lines: [['req/s', 'rps']] },
  {
    title: 'latency',
    unit: 'ms',
    lines: [
      ['p50', 'latencyP50Ms'],
      ['p95', 'latencyP95Ms'],
    ],
  },
  { title: 'CPU', unit: '% of request', lines: [['CPU', 'cpuPercent']] },
  { title: 'memory', unit: 'MB', lines: [['memory', 'memoryMb']] },
  {
    title: 'instances',
    unit: 'instances',
    lines: [
      ['reporting', 'instances'],
      ['ready', 'ready'],
    ],
  },
];

export function MetricsTab({ app }: { app: AppRef }) {
  const [span, setSpan] = useState<(typeof WINDOWS)[number]>('15m');
  const metrics = useQuery({
    queryKey: ['metrics', app, span],
    queryFn: () =>
      must(
        api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/metrics', {
          params: { path: app, query: { window: span } },
        }),
      ),
    refetchInterval: 5000,
  });
  const data = metrics.data;
  return (
    <section aria-labelledby="metrics-heading">
      <h2 id="metrics-heading">Metrics</h2>
      <div className="toolbar">
        <label>
          Window
          <select value={span} onChange={(event) => setSpan(event.target.value as (typeof WINDOWS)[number])}>
            {WINDOWS.map((entry) => (
              <option key={entry} value={entry}>
                {entry}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemMessage error={metrics.error} />
      {data && data.processTypes.length === 0 && <p>No process types yet.</p>}
      {data?.processTypes.map((entry) => (
        <div key={entry.type} className="charts">
          <h3>
            {entry.type} — {entry.ready}/{entry.replicas} ready
          </h3>
          {CHARTS.map((chart) => (
            <Chart
              key={chart.title}
              title={`${entry.type}: ${chart.title}`}
              unit={chart.unit}
              at={data.at}
              series={chart.lines.map(([label, name]) => ({ label, values: entry.series[name] }))}
            />
          ))}
        </div>
      ))}
    </section>
  );
}
