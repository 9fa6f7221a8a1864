/** The site's power flows over the last 24 h (uPlot, loaded on demand so the tree renders first). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { History } from './api-types.ts';
import { lang, msg } from './i18n.ts';

const SERIES: readonly {
  key: string;
  label: 'flowGrid' | 'flowPv' | 'flowBattery' | 'flowEvs' | 'flowBuilding';
  stroke: string;
  dash: number[];
}[] = [
  { key: 'grid', label: 'flowGrid', stroke: '#000000', dash: [] },
  { key: 'pv', label: 'flowPv', stroke: '#b35900', dash: [] },
  { key: 'battery', label: 'flowBattery', stroke: '#6a1b9a', dash: [6, 4] },
  { key: 'ev', label: 'flowEvs', stroke: '#0050b3', dash: [] },
  { key: 'other', label: 'flowBuilding', stroke: '#4d4d4d', dash: [2, 3] },
];

/** Line chart of kW per flow; the table below it carries the same numbers for screen readers. */
export function HistoryChart({ history, timeZone }: { history: History; timeZone: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const t = msg();
  // The series' names are the chart's own: redraw it in a new language.
  const language = lang();
  // The site's series or a circuit's (response-schemas.ts history), looked up by the chart's keys.
  const series: Partial<Record<string, (number | null)[]>> = history.series;
  const empty = !SERIES.some((s) => series[s.key]?.some((v) => v !== null));
  useEffect(() => {
    const el = box.current;
    if (!el || empty) return;
    let plot: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    const present = SERIES.filter((s) => series[s.key]?.some((v) => v !== null));
    Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')])
      .then(([{ default: UPlot }]) => {
        if (cancelled) return;
        const data: uPlot.AlignedData = [
          history.t.map((ms) => ms / 1000),
          ...present.map((s) => series[s.key] ?? []),
        ];
        const width = () => Math.max(280, el.clientWidth);
        plot = new UPlot(
          {
            width: width(),
            height: 240,
            tzDate: (ts) => UPlot.tzDate(new Date(ts * 1000), timeZone),
            // Always the last 24 h, however little has been recorded yet.
            scales: { x: { time: true, range: () => [Date.now() / 1000 - 86_400, Date.now() / 1000] } },
            axes: [{ stroke: '#000' }, { stroke: '#000', label: 'kW', size: 56 }],
            series: [
              {},
              ...present.map((s) => ({
                label: t[s.label],
                stroke: s.stroke,
                width: 2,
                dash: s.dash,
                spanGaps: false,
                // A few minutes of history are single points: draw them as dots so they show.
                points: {
                  show: (series[s.key] ?? []).filter((v) => v !== null).length < 120,
                  size: 6,
                  fill: s.stroke,
                },
              })),
            ],
          },
          data,
          el,
        );
        observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: 240 }));
        observer.observe(el);
      })
      .catch((err: unknown) => setError(String(err)));
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [history, timeZone, empty, language]);
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={t.chartLabel} />
      {error ? <p class="error">{t.chartFailed(error)}</p> : null}
      {empty ? <p class="muted">{t.noHistory}</p> : null}
    </figure>
  );
}
