// Bar charts of length distributions, with Chart.js: only the pieces a bar chart needs are
// imported and registered. Colours come from the theme's CSS variables, read when a chart is drawn
// (and again when the theme changes). Each chart is labelled with its numbers for screen readers;
// the table beside it carries the same numbers as text.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface BarSeries {
  readonly label: string;
  readonly values: readonly number[];
}

interface Drawn {
  chart: Chart;
  readonly canvas: HTMLCanvasElement;
  readonly labels: readonly string[];
  readonly series: readonly BarSeries[];
  readonly axis: { x: string; y: string };
}

const charts = new Set<Drawn>();

function cssVariable(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

// VS Code's chart colours: the same palette its own charts use, in every theme.
const SERIES_COLOURS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple'];

/** Draws a bar chart on `canvas`; {@link recolourCharts} redraws it in the theme's new colours. */
export function barChart(canvas: HTMLCanvasElement, labels: readonly string[], series: readonly BarSeries[], axis: { x: string; y: string }): void {
  charts.add({ chart: draw(canvas, labels, series, axis), canvas, labels, series, axis });
}

function draw(canvas: HTMLCanvasElement, labels: readonly string[], series: readonly BarSeries[], axis: { x: string; y: string }): Chart {
  const foreground = cssVariable('--vscode-foreground', '#888');
  const grid = cssVariable('--vscode-panel-border', 'rgba(128,128,128,0.3)');
  const font = cssVariable('--vscode-font-family', 'sans-serif');
  const config: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels: [...labels],
      datasets: series.map((s, i) => {
        const colour = cssVariable(SERIES_COLOURS[i % SERIES_COLOURS.length] as string, '#3794ff');
        return { label: s.label, data: [...s.values], backgroundColor: colour, borderColor: colour, borderWidth: 1 };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      color: foreground,
      font: { family: font },
      plugins: { legend: { display: series.length > 1, labels: { color: foreground } }, tooltip: { enabled: true } },
      scales: {
        x: { title: { display: true, text: axis.x, color: foreground }, ticks: { color: foreground }, grid: { color: grid } },
        y: { beginAtZero: true, title: { display: true, text: axis.y, color: foreground }, ticks: { color: foreground, precision: 0 }, grid: { color: grid } },
      },
    },
  };
  return new Chart(canvas, config);
}

/** After a theme change: the same charts, in the new colours. */
export function recolourCharts(): void {
  for (const drawn of charts) {
    drawn.chart.destroy();
    drawn.chart = draw(drawn.canvas, drawn.labels, drawn.series, drawn.axis);
  }
}

export function destroyCharts(): void {
  for (const drawn of charts) drawn.chart.destroy();
  charts.clear();
}
