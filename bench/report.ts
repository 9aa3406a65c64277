/**
 * What a run leaves behind: a JSON file with every figure and time series, and a
 * self-contained HTML page plotting the series (inline SVG, no script, no network), so a
 * result can be looked at on any machine years later without installing anything.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { percentile } from './stats.js';

/** One line of a chart: [x, y] points, x in seconds since the phase started. */
export interface Line {
  name: string;
  points: Array<[number, number]>;
}

export interface Chart {
  title: string;
  yLabel: string;
  lines: Line[];
}

/** The p50 and p99 lines of a latency chart, from `bins` (bench/stats.ts) with values; empty bins are left out. */
export function percentileLines(binned: ReadonlyArray<{ t: number; values: number[] }>): Line[] {
  const filled = binned.filter((b) => b.values.length);
  return [50, 99].map((p) => ({ name: `p${p}`, points: filled.map((b): [number, number] => [b.t, percentile(b.values, p)]) }));
}

/** The machine a figure was taken on: with 2 shared cores, this matters more than anything. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/**
 * Writes `<out>/<stamp>-<shape>-<scenario>.json` and `.html`; returns their paths.
 * The JSON holds `result` as printed on the RESULT line plus the charts' data.
 */
export async function writeResult(out: string, result: Record<string, unknown>, charts: Chart[]): Promise<{ json: string; html: string }> {
  await mkdir(out, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d+Z$/, 'Z');
  const base = path.join(out, `${stamp}-${String(result.shape)}-${String(result.scenario)}`);
  const json = `${base}.json`;
  const html = `${base}.html`;
  await writeFile(json, `${JSON.stringify({ result, charts }, null, 2)}\n`);
  await writeFile(html, renderHtml(result, charts));
  return { json, html };
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** The page: a table of the headline figures, then one SVG chart per series group. */
export function renderHtml(result: Record<string, unknown>, charts: Chart[]): string {
  const title = `bench · ${String(result.shape)} · ${String(result.scenario)}`;
  const rows = Object.entries(result)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`)
    .join('');
  const nested = Object.entries(result)
    .filter(([, v]) => v !== null && typeof v === 'object')
    .map(([k, v]) => `<h3>${esc(k)}</h3><pre>${esc(JSON.stringify(v, null, 2))}</pre>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}th{background:#f4f4f4}pre{background:#f8f8f8;padding:8px;overflow:auto;max-height:300px}svg{display:block;margin:1em 0}</style>
</head><body><h1>${esc(title)}</h1>
${charts.map(renderChart).join('\n')}
<h2>Figures</h2><table>${rows}</table>${nested}
</body></html>
`;
}

function renderChart(chart: Chart): string {
  const W = 900;
  const H = 320;
  const m = { l: 70, r: 20, t: 30, b: 40 };
  const all = chart.lines.flatMap((l) => l.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return `<h2>${esc(chart.title)}</h2><p>no data</p>`;
  const xMax = niceMax(Math.max(...all.map(([x]) => x)));
  const yMax = niceMax(Math.max(...all.map(([, y]) => y)));
  const sx = (x: number) => m.l + (x / xMax) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - (y / yMax) * (H - m.t - m.b);
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => (max * i) / 5);
  const grid = [
    ...ticks(yMax).map(
      (y) =>
        `<line x1="${m.l}" x2="${W - m.r}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/><text x="${m.l - 6}" y="${sy(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    ),
    ...ticks(xMax).map((x) => `<text x="${sx(x)}" y="${H - m.b + 16}" text-anchor="middle">${fmt(x)}</text>`),
  ].join('');
  const lines = chart.lines
    .map((line, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      const pts = line.points
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
        .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join(' ');
      const legend = `<rect x="${m.l + 10 + i * 170}" y="8" width="12" height="12" fill="${colour}"/><text x="${m.l + 26 + i * 170}" y="18">${esc(line.name)}</text>`;
      return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts}"/>${legend}`;
    })
    .join('');
  return `<h2>${esc(chart.title)}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-size="11" font-family="system-ui,sans-serif">
<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>${grid}${lines}
<text x="${(W + m.l) / 2}" y="${H - 6}" text-anchor="middle">seconds</text>
<text transform="translate(14 ${(H - m.b + m.t) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>
</svg>`;
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (v <= f * p) return f * p;
  return 10 * p;
}

function fmt(n: number): string {
  return Math.abs(n) >= 1000 ? `${Math.round(n / 100) / 10}k` : String(Math.round(n * 100) / 100);
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
