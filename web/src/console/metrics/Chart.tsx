import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** At least the last 30 s, ending at the latest sample (now, before there is one). */
const xRange = (min: number | null, max: number | null): [number, number] => {
  const end = max || Date.now() / 1000;
  return [Math.min(min || end, end - 30), end];
};

export type ChartSeries = { label: string; color: string; unit: string; values: Array<number | null>; dash?: boolean };

/**
 * A small live line chart (uPlot on a canvas) over unix-second times. The picture is for
 * the eye; its figure's caption says the latest values in words for everyone.
 */
export const Chart = ({ title, times, series, summary }: { title: string; times: number[]; series: ChartSeries[]; summary: string }) => {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(240, element.clientWidth),
      height: 170,
      legend: { show: false },
      cursor: { show: true, points: { show: false }, drag: { x: false, y: false } },
      focus: { alpha: 1 },
      scales: { x: { time: true, range: (_u, min, max) => xRange(min, max) }, y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1) * 1.15] } },
      axes: [
        { stroke: '#5a6475', grid: { stroke: '#eef0f4' }, ticks: { stroke: '#d9dee7' }, font: '11px system-ui' },
        { stroke: '#5a6475', grid: { stroke: '#eef0f4' }, ticks: { stroke: '#d9dee7' }, font: '11px system-ui', size: 44 },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, points: { show: true, size: 5 }, fill: `${s.color}14`, ...(s.dash ? { dash: [6, 4] } : {}) }))],
    };
    plot.current = new uPlot(options, [[], ...series.map(() => [])], element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(240, element.clientWidth), height: 170 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    // A time axis over one sample has no span to scale to: the chart waits for the second.
    if (times.length < 2) return;
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  return (
    <figure class="chart panel">
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="chart-legend" aria-hidden="true">
          {series.map((s) => (
            <span key={s.label} class="key">
              <span class={`swatch${s.dash ? ' dashed' : ''}`} style={{ background: s.color }} />
              {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={box} class="chart-canvas" role="img" aria-label={`${title}: ${summary}`} />
      <p class="chart-now" aria-live="off">
        {summary}
      </p>
    </figure>
  );
};
