// A uPlot time-series chart that follows its container's width; redraws only when its data changes.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  values: Array<number | null>;
  color: string;
  /** Values with gaps (no latency in a bucket without requests): dots, since a lone value draws no line. */
  sparse?: boolean;
}

interface Props {
  title: string;
  /** Unix seconds. */
  x: number[];
  lines: Line[];
  format?: (n: number) => string;
  /** For axis ticks, where the full format is too wide. */
  tick?: (n: number) => string;
}

const HEIGHT = 180;

export function Chart({ title, x, lines, format, tick }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axis = { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } };
    const plot = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [axis, { ...axis, size: 70, values: (_u, ticks) => ticks.map((t) => (tick ?? format ?? String)(t)) }],
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, points: { show: l.sparse === true || x.length < 40, size: 6 }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : format ? format(v) : String(v)) }))],
      },
      [x, ...lines.map((l) => l.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, lines, format, tick]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
