// Hand-written SVG line plots for the scaling series: axes with ticks and labels, one polyline per
// engine (or configuration) with a dot per point and a min-max bar, an optional dashed least-squares
// line, and a legend under the plot. Linear or log2 x axis; linear y axis from 0.

export interface PlotLine {
  name: string;
  /** Points in x order; y is the median, lo/hi the range (optional). */
  points: { x: number; y: number; lo?: number; hi?: number }[];
  /** Draw the least-squares line of these points, dashed, with its R² in the legend. */
  fit?: { slope: number; intercept: number; r2: number };
}

export interface Plot {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog2?: boolean;
  lines: PlotLine[];
  /** A sentence under the title. */
  note?: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];
const W = 760, H = 470;
const LEGEND_ROW = 20;
const M = { left: 80, right: 24, top: 64, bottom: 64 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Round tick values covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < max) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e5) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

export function renderPlot(p: Plot): string {
  const pts = p.lines.flatMap((l) => l.points);
  const xs = pts.map((q) => q.x);
  const ymax = Math.max(...pts.map((q) => Math.max(q.y, q.hi ?? q.y)), 0);
  const yTicks = niceTicks(ymax);
  const yTop = yTicks[yTicks.length - 1];
  let xTicks: number[];
  let xMin: number, xMax: number;
  if (p.xLog2) {
    const lo = Math.floor(Math.log2(Math.min(...xs))), hi = Math.ceil(Math.log2(Math.max(...xs)));
    xMin = lo; xMax = Math.max(hi, lo + 1);
    xTicks = [];
    for (let e = xMin; e <= xMax; e++) xTicks.push(2 ** e);
  } else {
    xTicks = niceTicks(Math.max(...xs));
    xMin = 0; xMax = xTicks[xTicks.length - 1];
  }
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const X = (x: number): number => M.left + (((p.xLog2 ? Math.log2(x) : x) - xMin) / (xMax - xMin)) * pw;
  const Y = (y: number): number => M.top + ph - (y / yTop) * ph;
  const o: string[] = [];
  const total = H + p.lines.length * LEGEND_ROW + 8;
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${total}" viewBox="0 0 ${W} ${total}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`);
  o.push(`<rect x="0" y="0" width="${W}" height="${total}" fill="#ffffff"/>`);
  o.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(p.title)}</text>`);
  if (p.note) o.push(`<text x="${W / 2}" y="44" text-anchor="middle" font-size="12" fill="#555555">${esc(p.note)}</text>`);
  // grid and ticks
  for (const t of yTicks) {
    const y = Y(t).toFixed(1);
    o.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#e4e4e4"/>`);
    o.push(`<line x1="${M.left - 5}" y1="${y}" x2="${M.left}" y2="${y}" stroke="#333333"/>`);
    o.push(`<text x="${M.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = X(t).toFixed(1);
    o.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#f0f0f0"/>`);
    o.push(`<line x1="${x}" y1="${M.top + ph}" x2="${x}" y2="${M.top + ph + 5}" stroke="#333333"/>`);
    o.push(`<text x="${x}" y="${M.top + ph + 20}" text-anchor="middle">${fmt(t)}</text>`);
  }
  o.push(`<line x1="${M.left}" y1="${M.top + ph}" x2="${W - M.right}" y2="${M.top + ph}" stroke="#333333"/>`);
  o.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#333333"/>`);
  o.push(`<text x="${M.left + pw / 2}" y="${H - 16}" text-anchor="middle">${esc(p.xLabel)}${p.xLog2 ? ' (log scale)' : ''}</text>`);
  o.push(`<text x="18" y="${M.top + ph / 2}" text-anchor="middle" transform="rotate(-90 18 ${M.top + ph / 2})">${esc(p.yLabel)}</text>`);
  // lines, clipped to the plot area
  o.push(`<clipPath id="plot-area"><rect x="${M.left}" y="${M.top - 6}" width="${pw + 6}" height="${ph + 6}"/></clipPath>`);
  o.push('<g clip-path="url(#plot-area)">');
  p.lines.forEach((l, k) => {
    const c = COLORS[k % COLORS.length];
    if (l.fit !== undefined && l.points.length >= 2) {
      const x0 = Math.min(...l.points.map((q) => q.x)), x1 = Math.max(...l.points.map((q) => q.x));
      const y0 = l.fit.intercept + l.fit.slope * x0, y1 = l.fit.intercept + l.fit.slope * x1;
      o.push(`<line x1="${X(x0).toFixed(1)}" y1="${Y(y0).toFixed(1)}" x2="${X(x1).toFixed(1)}" y2="${Y(y1).toFixed(1)}" stroke="${c}" stroke-width="1.5" stroke-dasharray="6 4" opacity="0.7"/>`);
    }
    for (const q of l.points) {
      if (q.lo !== undefined && q.hi !== undefined && q.hi > q.lo) {
        const x = X(q.x).toFixed(1);
        o.push(`<line x1="${x}" y1="${Y(q.lo).toFixed(1)}" x2="${x}" y2="${Y(q.hi).toFixed(1)}" stroke="${c}" stroke-width="1.5" opacity="0.6"/>`);
      }
    }
    const path = l.points.map((q) => `${X(q.x).toFixed(1)},${Y(q.y).toFixed(1)}`).join(' ');
    o.push(`<polyline points="${path}" fill="none" stroke="${c}" stroke-width="2.2"/>`);
    for (const q of l.points) o.push(`<circle cx="${X(q.x).toFixed(1)}" cy="${Y(q.y).toFixed(1)}" r="3.5" fill="${c}"/>`);
  });
  o.push('</g>');
  // legend under the x axis label, one line per entry
  let ly = H + 4;
  for (const { l, c } of p.lines.map((l, k) => ({ l, c: COLORS[k % COLORS.length] }))) {
    o.push(`<line x1="${M.left}" y1="${ly}" x2="${M.left + 26}" y2="${ly}" stroke="${c}" stroke-width="2.5"/>`);
    o.push(`<circle cx="${M.left + 13}" cy="${ly}" r="3.5" fill="${c}"/>`);
    const label = l.name + (l.fit ? `   (dashed: least-squares line, R² ${l.fit.r2.toFixed(3)})` : '');
    o.push(`<text x="${M.left + 36}" y="${ly}" dominant-baseline="middle">${esc(label)}</text>`);
    ly += LEGEND_ROW;
  }
  o.push('</svg>');
  return o.join('\n') + '\n';
}
