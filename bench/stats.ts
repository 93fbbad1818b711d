// Summaries of repeated measurements: median and range, ratios taken pair by pair within a round, and
// a least-squares line (to say whether a cost is linear in a size).

export interface Figure {
  median: number;
  min: number;
  max: number;
  /** Every sample, in round order. */
  samples: number[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function figure(samples: readonly number[]): Figure {
  const ok = samples.filter((x) => Number.isFinite(x));
  return { median: median(ok), min: Math.min(...ok), max: Math.max(...ok), samples: [...samples] };
}

/** a[k] / b[k] for each round k in which both were measured. */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    if (Number.isFinite(a[k]) && Number.isFinite(b[k]) && b[k] !== 0) out.push(a[k] / b[k]);
  }
  return out;
}

export interface LinearFit {
  /** y = intercept + slope * x */
  slope: number;
  intercept: number;
  /** Coefficient of determination (1 = the points lie on the line). */
  r2: number;
}

export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let k = 0; k < n; k++) {
    sxy += (xs[k] - mx) * (ys[k] - my);
    sxx += (xs[k] - mx) ** 2;
    syy += (ys[k] - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let k = 0; k < n; k++) sse += (ys[k] - intercept - slope * xs[k]) ** 2;
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - sse / syy };
}

/** 1234567 -> "1.23 M", for tables. */
export function si(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const [d, u] = a >= 1e9 ? [1e9, ' G'] : a >= 1e6 ? [1e6, ' M'] : a >= 1e3 ? [1e3, ' k'] : [1, ' '];
  return `${(x / d).toPrecision(digits)}${u}`.trimEnd();
}
