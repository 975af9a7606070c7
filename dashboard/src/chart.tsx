import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'react';

// Only the parts the page draws: bars (tree-shaken bundle).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export const PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

export interface BarChartProps {
  /** Accessible name of the chart (the numbers are also in the table next to it). */
  label: string;
  labels: string[];
  datasets: { label: string; data: number[] }[];
  horizontal?: boolean;
  stacked?: boolean;
  testId?: string;
}

/** A bar chart on a canvas; updated in place when its data change (no animation). */
export function BarChart({ label, labels, datasets, horizontal, stacked, testId }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        scales: { x: { stacked: Boolean(stacked) }, y: { stacked: Boolean(stacked), beginAtZero: true } },
        plugins: { legend: { display: datasets.length > 1, position: 'bottom' } },
      },
    });
    return () => chart.current?.destroy();
    // Created once; data changes go through the effect below.
  }, []);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = labels;
    c.data.datasets = datasets.map((d, i): ChartDataset<'bar'> => ({
      ...d,
      backgroundColor: PALETTE[i % PALETTE.length],
      borderRadius: 3,
    }));
    c.options.plugins!.legend!.display = datasets.length > 1;
    c.update();
    if (canvas.current) canvas.current.dataset.points = String(datasets.reduce((n, d) => n + d.data.length, 0));
  }, [labels, datasets]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} data-testid={testId} />
    </div>
  );
}
