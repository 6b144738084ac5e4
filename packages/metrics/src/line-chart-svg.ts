// Standalone SVG line charts (e.g. train and eval loss against step) as a string: no DOM, canvas or browser.
import { MetricsError, show } from './errors.js';
import { formatTick, logTicks, niceLinearTicks, type Ticks } from './nice-ticks.js';
import { escapeXml } from './text-width.js';

/** An axis scale of `lineChartSvg`. */
export type Scale = 'linear' | 'log';

/** One line of `lineChartSvg`: its name in the legend and its `[x, y]` points. */
export interface ChartSeries {
  name: string;
  /** [x, y] pairs, drawn in the given order; a non-finite value (or <= 0 on a log axis) breaks the line */
  points: ReadonlyArray<readonly [number, number]>;
  /** any SVG colour; default from a 10-colour palette */
  color?: string;
}

/** Options of `lineChartSvg`: the series, title, axis labels, size and scales. */
export interface LineChartOptions {
  series: readonly ChartSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** pixels; default 640 */
  width?: number;
  /** pixels; default 400 */
  height?: number;
  /** default 'linear' */
  xScale?: Scale;
  /** default 'linear'; 'log' suits losses that fall over decades */
  yScale?: Scale;
}

// biome-ignore format: a table reads better one row per line
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const CHAR_W = 7; // approximate width of a 12px sans-serif character, for layout only

const r2 = (v: number): string => String(Math.round(v * 100) / 100);

function usable(v: number, scale: Scale): boolean {
  return Number.isFinite(v) && (scale === 'linear' || v > 0);
}

function validate(options: LineChartOptions): void {
  if (!options || !Array.isArray(options.series) || options.series.length === 0) {
    throw new MetricsError(`lineChartSvg series: expected at least one series, got ${show(options?.series)}`);
  }
  options.series.forEach((s, i) => {
    if (!s || typeof s.name !== 'string')
      throw new MetricsError(`lineChartSvg series[${i}].name: expected a string, got ${show(s?.name)}`);
    if (!Array.isArray(s.points))
      throw new MetricsError(
        `lineChartSvg series[${i}].points: expected an array of [x, y], got ${show(s.points)}`,
      );
    (s.points as ReadonlyArray<unknown>).forEach((p: unknown, j: number) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') {
        throw new MetricsError(
          `lineChartSvg series[${i}].points[${j}]: expected [x, y] numbers, got ${show(p)}`,
        );
      }
    });
  });
  for (const key of ['width', 'height'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new MetricsError(`lineChartSvg ${key}: expected a positive number, got ${show(v)}`);
  }
  for (const key of ['xScale', 'yScale'] as const) {
    const v = options[key];
    if (v !== undefined && v !== 'linear' && v !== 'log')
      throw new MetricsError(`lineChartSvg ${key}: expected 'linear' or 'log', got ${show(v)}`);
  }
}

function axisTicks(values: number[], scale: Scale): Ticks {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return scale === 'log' ? logTicks(lo, hi) : niceLinearTicks(lo, hi, 6);
}

/**
 * Renders a line chart with nice-number axes, grid, legend and one polyline per unbroken run of points (a run of
 * one point is a dot). Throws `MetricsError` on malformed series or when no point is plottable.
 */
export function lineChartSvg(options: LineChartOptions): string {
  validate(options);
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const xScale = options.xScale ?? 'linear';
  const yScale = options.yScale ?? 'linear';
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of options.series) {
    for (const [x, y] of s.points) {
      if (usable(x, xScale) && usable(y, yScale)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length === 0) {
    throw new MetricsError(
      `lineChartSvg: expected at least one finite point${xScale === 'log' || yScale === 'log' ? ' (> 0 on log axes)' : ''}, got none`,
    );
  }
  const xt = axisTicks(xs, xScale);
  const yt = axisTicks(ys, yScale);
  const xLabels = xt.values.map((v) => formatTick(v, xt, xScale));
  const yLabels = yt.values.map((v) => formatTick(v, yt, yScale));
  const legendW = Math.min(width * 0.35, 36 + CHAR_W * Math.max(...options.series.map((s) => s.name.length)));
  const left = (options.yLabel ? 22 : 0) + 12 + CHAR_W * Math.max(...yLabels.map((l) => l.length));
  const right = legendW + 16;
  const top = options.title ? 36 : 14;
  const bottom = 26 + (options.xLabel ? 20 : 0);
  const px0 = left;
  const px1 = width - right;
  const py0 = top;
  const py1 = height - bottom;
  if (px1 - px0 < 20 || py1 - py0 < 20) {
    throw new MetricsError(
      `lineChartSvg: expected room for a plot area, got ${width}×${height} px (too small for labels and legend)`,
    );
  }
  const t = (v: number, scale: Scale): number => (scale === 'log' ? Math.log10(v) : v);
  const sx = (x: number): number =>
    px0 + ((t(x, xScale) - t(xt.min, xScale)) / (t(xt.max, xScale) - t(xt.min, xScale))) * (px1 - px0);
  const sy = (y: number): number =>
    py1 - ((t(y, yScale) - t(yt.min, yScale)) / (t(yt.max, yScale) - t(yt.min, yScale))) * (py1 - py0);

  const out: string[] = [];
  const title = options.title ?? '';
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r2(width)}" height="${r2(height)}" viewBox="0 0 ${r2(width)} ${r2(height)}" ` +
      `font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title || 'line chart')}">`,
  );
  if (title) out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="${r2(width)}" height="${r2(height)}" fill="#ffffff"/>`);
  if (title)
    out.push(
      `<text class="title" x="${r2(width / 2)}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    );

  // grid
  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const v of xt.values)
    out.push(`<line x1="${r2(sx(v))}" y1="${r2(py0)}" x2="${r2(sx(v))}" y2="${r2(py1)}"/>`);
  for (const v of yt.values)
    out.push(`<line x1="${r2(px0)}" y1="${r2(sy(v))}" x2="${r2(px1)}" y2="${r2(sy(v))}"/>`);
  out.push('</g>');

  // axes
  out.push(`<g class="axis x-axis" data-scale="${xScale}" data-min="${xt.min}" data-max="${xt.max}">`);
  out.push(
    `<line class="domain" x1="${r2(px0)}" y1="${r2(py1)}" x2="${r2(px1)}" y2="${r2(py1)}" stroke="#333333"/>`,
  );
  xt.values.forEach((v, i) => {
    const x = r2(sx(v));
    out.push(
      `<g class="tick" data-value="${v}"><line x1="${x}" y1="${r2(py1)}" x2="${x}" y2="${r2(py1 + 5)}" stroke="#333333"/>` +
        `<text x="${x}" y="${r2(py1 + 18)}" text-anchor="middle">${escapeXml(xLabels[i]!)}</text></g>`,
    );
  });
  out.push('</g>');
  out.push(`<g class="axis y-axis" data-scale="${yScale}" data-min="${yt.min}" data-max="${yt.max}">`);
  out.push(
    `<line class="domain" x1="${r2(px0)}" y1="${r2(py0)}" x2="${r2(px0)}" y2="${r2(py1)}" stroke="#333333"/>`,
  );
  yt.values.forEach((v, i) => {
    const y = r2(sy(v));
    out.push(
      `<g class="tick" data-value="${v}"><line x1="${r2(px0 - 5)}" y1="${y}" x2="${r2(px0)}" y2="${y}" stroke="#333333"/>` +
        `<text x="${r2(px0 - 8)}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(yLabels[i]!)}</text></g>`,
    );
  });
  out.push('</g>');
  if (options.xLabel) {
    out.push(
      `<text class="x-label" x="${r2((px0 + px1) / 2)}" y="${r2(height - 8)}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    const cy = r2((py0 + py1) / 2);
    out.push(
      `<text class="y-label" x="14" y="${cy}" text-anchor="middle" transform="rotate(-90 14 ${cy})">${escapeXml(options.yLabel)}</text>`,
    );
  }

  // series
  options.series.forEach((s, i) => {
    const color = escapeXml(s.color ?? PALETTE[i % PALETTE.length]!);
    out.push(
      `<g class="series" data-name="${escapeXml(s.name)}" stroke="${color}" fill="none" stroke-width="2">`,
    );
    const runs: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (usable(x, xScale) && usable(y, yScale)) runs[runs.length - 1]!.push(`${r2(sx(x))},${r2(sy(y))}`);
      else if (runs[runs.length - 1]!.length > 0) runs.push([]);
    }
    for (const run of runs) {
      if (run.length === 1) {
        const [cx, cy] = run[0]!.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
      } else if (run.length > 1) {
        out.push(`<polyline points="${run.join(' ')}" stroke-linejoin="round"/>`);
      }
    }
    out.push('</g>');
  });

  // legend
  out.push(`<g class="legend" transform="translate(${r2(px1 + 12)} ${r2(py0)})">`);
  options.series.forEach((s, i) => {
    const color = escapeXml(s.color ?? PALETTE[i % PALETTE.length]!);
    const y = i * 18 + 6;
    out.push(
      `<g class="legend-item"><line x1="0" y1="${y}" x2="18" y2="${y}" stroke="${color}" stroke-width="2"/>` +
        `<text x="24" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text></g>`,
    );
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
