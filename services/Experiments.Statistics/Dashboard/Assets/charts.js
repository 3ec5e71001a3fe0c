// Plain SVG charts. Each chart is drawn at the pixel width of its container (text stays readable on a phone) and
// carries its plotted values in data- attributes, so tests can compare them with GetVerdict.

import { h, s } from './dom.js';
import * as f from './format.js';

/** Arm colours: the control in slate, treatments in distinct hues (distinguishable with colour-vision deficiency). */
const ARM_COLOURS = ['#475569', '#2563eb', '#c2410c', '#7c3aed', '#0f766e', '#be185d'];

export function armColour(index) {
  return ARM_COLOURS[index % ARM_COLOURS.length];
}

/** Linear scale from [d0, d1] to [r0, r1]. */
export function linear(d0, d1, r0, r1) {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Round tick values covering [lo, hi], about `count` of them. */
export function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function finite(values) {
  return values.map(f.num).filter(Number.isFinite);
}

// ---------------------------------------------------------------------------------------------------------------
// Forest plot: one row per KPI and treatment, all on one relative-effect axis. Rows stretch to their cell
// (preserveAspectRatio="none"), so shapes are lines and rectangles only and the axis labels are HTML.

/** The shared axis of a forest plot: domain in relative effect, positions in percent of the plot width. */
export function forestScale(rows) {
  const values = [0];
  for (const row of rows) {
    values.push(...finite([row.effect, row.lower, row.upper]));
    if (row.mde > 0) values.push(row.mde, -row.mde);
    if (row.tolerance > 0) values.push(row.direction === 'DESIRED_DIRECTION_INCREASE' ? -row.tolerance : row.tolerance);
  }
  // Relative changes below −100% are impossible for positive metrics; far above +1000% the axis would say nothing
  // about the other rows. Intervals reaching past the axis end in an arrow.
  let lo = Math.max(-1, Math.min(...values));
  let hi = Math.min(10, Math.max(...values));
  const pad = (hi - lo) * 0.08 || 0.05;
  lo -= pad;
  hi += pad;
  const x = linear(lo, hi, 0, 100);
  return { lo, hi, x, clamp: (v) => Math.max(lo, Math.min(hi, v)) };
}

export function forestAxis(scale) {
  const axis = h('div', { class: 'forest-axis', 'aria-hidden': 'true' });
  for (const t of ticks(scale.lo, scale.hi, 6)) {
    const label = h('span', { class: t === 0 ? 'tick zero' : 'tick' }, t === 0 ? '0' : f.pct(t, Math.abs(t) < 0.1 ? 1 : 0));
    label.style.left = `${scale.x(t)}%`;
    axis.append(label);
  }
  return axis;
}

/**
 * One row's plot: zero line, ±MDE, the guardrail's tolerance zone, the always-valid confidence sequence as a bar
 * and the point estimate as a tick, coloured by tone (good, bad, warn, neutral).
 */
export function forestRow(scale, row) {
  const { x, clamp } = scale;
  const lower = f.num(row.lower);
  const upper = f.num(row.upper);
  const effect = f.num(row.effect);
  const svg = s('svg', {
    class: `forest-plot tone-${row.tone}`, viewBox: '0 0 100 28', preserveAspectRatio: 'none', role: 'img',
    'aria-label': `${row.label}: ${f.pct(effect)}, always-valid interval ${f.pct(lower)} to ${f.pct(upper)}, ${row.decisionLabel}`,
  });
  for (const t of ticks(scale.lo, scale.hi, 6)) {
    svg.append(s('line', { class: 'grid', x1: x(t), x2: x(t), y1: 0, y2: 28, 'vector-effect': 'non-scaling-stroke' }));
  }
  if (row.tolerance > 0) {
    const harmful = row.direction === 'DESIRED_DIRECTION_INCREASE' ? -row.tolerance : row.tolerance;
    const from = harmful > 0 ? x(clamp(harmful)) : x(scale.lo);
    const to = harmful > 0 ? x(scale.hi) : x(clamp(harmful));
    svg.append(s('rect', { class: 'tolerance-zone', x: from, y: 0, width: Math.max(0, to - from), height: 28 }));
  }
  if (row.mde > 0) {
    for (const m of [row.mde, -row.mde]) {
      if (m > scale.lo && m < scale.hi) {
        svg.append(s('line', { class: 'mde', x1: x(m), x2: x(m), y1: 2, y2: 26, 'vector-effect': 'non-scaling-stroke' }));
      }
    }
  }
  svg.append(s('line', { class: 'zero', x1: x(0), x2: x(0), y1: 0, y2: 28, 'vector-effect': 'non-scaling-stroke' }));
  const lo = x(clamp(Number.isFinite(lower) ? lower : -Infinity));
  const hi = x(clamp(Number.isFinite(upper) ? upper : Infinity));
  svg.append(s('line', {
    class: 'ci', x1: lo, x2: hi, y1: 14, y2: 14, 'vector-effect': 'non-scaling-stroke',
    'data-kpi': row.kpiKey, 'data-variant': row.variantKey, 'data-effect': row.effect, 'data-lower': row.lower, 'data-upper': row.upper,
    'data-decision': row.decision,
  }));
  if (!(lower >= scale.lo)) svg.append(s('polygon', { class: 'beyond', points: `${lo},8 ${lo},20 ${lo - 1.6},14` }));
  if (!(upper <= scale.hi)) svg.append(s('polygon', { class: 'beyond', points: `${hi},8 ${hi},20 ${hi + 1.6},14` }));
  if (Number.isFinite(effect)) {
    svg.append(s('line', { class: 'estimate', x1: x(clamp(effect)), x2: x(clamp(effect)), y1: 5, y2: 23, 'vector-effect': 'non-scaling-stroke' }));
  }
  return svg;
}

// ---------------------------------------------------------------------------------------------------------------
// Latency CDF per arm, log-scaled milliseconds, with p50/p95/p99 guides and each arm's quantiles marked on them.

const QUANTILES = [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]];

/**
 * @param arms [{ key, colour, histogram, quantiles: { p50, p95, p99 }, source }]
 * @param options { width, tail } — tail zooms on the top 10% of the distribution
 */
export function cdfChart(arms, { width, tail }) {
  const height = Math.round(Math.min(340, Math.max(220, width * 0.45)));
  const m = { top: 14, right: 44, bottom: 38, left: 46 };
  const svg = s('svg', {
    class: 'chart cdf', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': 'Cumulative distribution of latency per arm: ' + arms.map((a) => `${a.key} p50 ${f.ms(a.quantiles.p50)}, p95 ${f.ms(a.quantiles.p95)}, p99 ${f.ms(a.quantiles.p99)}`).join('; '),
  });
  const withData = arms.filter((a) => f.num(a.histogram.count) > 0 && a.histogram.buckets.length);
  if (!withData.length) {
    svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, 'No requests yet'));
    return svg;
  }
  let xmin = Infinity;
  let xmax = 0;
  for (const arm of withData) {
    const first = arm.histogram.buckets[0];
    const last = arm.histogram.buckets[arm.histogram.buckets.length - 1];
    xmin = Math.min(xmin, f.num(first.lowerBoundMs) > 0 ? f.num(first.lowerBoundMs) : f.num(first.upperBoundMs) / 2);
    xmax = Math.max(xmax, f.num(last.upperBoundMs));
  }
  if (tail) {
    xmin = Math.max(xmin, Math.min(...withData.map((a) => quantileOf(a.histogram, 0.85))));
  }
  const lx = linear(Math.log10(xmin), Math.log10(xmax), m.left, width - m.right);
  const x = (v) => lx(Math.log10(Math.max(v, xmin)));
  const y0 = tail ? 0.9 : 0;
  const y = linear(y0, 1, height - m.bottom, m.top);
  const clampY = (p) => y(Math.max(y0, p));

  const clipId = `cdf-clip-${Math.random().toString(36).slice(2)}`;
  svg.append(s('defs', null, s('clipPath', { id: clipId }, s('rect', { x: m.left, y: m.top - 4, width: width - m.left - m.right, height: height - m.top - m.bottom + 4 }))));

  // Axes and grid.
  const grid = s('g', { class: 'axis' });
  for (const t of logTicks(xmin, xmax)) {
    grid.append(s('line', { class: 'grid', x1: x(t), x2: x(t), y1: m.top, y2: height - m.bottom }));
    grid.append(s('text', { x: x(t), y: height - m.bottom + 16, 'text-anchor': 'middle' }, f.ms(t).replace(' ', '\u2009')));
  }
  const yTicks = tail ? [0.9, 0.925, 0.95, 0.975, 1] : [0, 0.25, 0.5, 0.75, 1];
  for (const t of yTicks) {
    grid.append(s('line', { class: 'grid', x1: m.left, x2: width - m.right, y1: y(t), y2: y(t) }));
    grid.append(s('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, `${Math.round(t * 1000) / 10}%`));
  }
  grid.append(s('text', { x: (m.left + width - m.right) / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-title' }, 'latency (log scale)'));
  svg.append(grid);

  // Quantile guides.
  const guides = s('g', { class: 'guides' });
  for (const [name, q] of QUANTILES) {
    if (q < y0) continue;
    guides.append(s('line', { class: 'guide', x1: m.left, x2: width - m.right, y1: y(q), y2: y(q) }));
    guides.append(s('text', { x: width - m.right + 6, y: y(q) + 4, class: 'guide-label' }, name));
  }
  svg.append(guides);

  const curves = s('g', { 'clip-path': `url(#${clipId})` });
  for (const arm of withData) {
    curves.append(s('path', { class: 'cdf-line', d: cdfPath(arm.histogram, x, clampY, xmin), stroke: arm.colour, 'data-arm': arm.key, 'data-count': arm.histogram.count }));
  }
  svg.append(curves);

  const markers = s('g', { class: 'markers' });
  for (const arm of withData) {
    for (const [name, q] of QUANTILES) {
      const value = f.num(arm.quantiles[name]);
      if (!Number.isFinite(value) || q < y0) continue;
      markers.append(s('circle', {
        class: 'quantile-marker', cx: x(value), cy: y(q), r: 4.5, fill: arm.colour,
        'data-arm': arm.key, 'data-quantile': name, 'data-value-ms': value, 'data-source': arm.source,
      }, s('title', null, `${arm.key} ${name}: ${f.ms(value)}`)));
    }
  }
  svg.append(markers);
  return svg;
}

function cdfPath(histogram, x, y, xmin) {
  const total = f.num(histogram.count);
  let cumulative = 0;
  const first = histogram.buckets[0];
  let d = `M${x(xmin)},${y(0)}`;
  d += ` L${x(Math.max(xmin, f.num(first.lowerBoundMs)))},${y(0)}`;
  for (const bucket of histogram.buckets) {
    const before = cumulative / total;
    cumulative += f.num(bucket.count);
    d += ` L${x(Math.max(xmin, f.num(bucket.lowerBoundMs)))},${y(before)} L${x(f.num(bucket.upperBoundMs))},${y(cumulative / total)}`;
  }
  return d;
}

/** A quantile read off the histogram (linear within the bucket) — used only where the verdict has none. */
export function quantileOf(histogram, q) {
  const total = f.num(histogram.count);
  let cumulative = 0;
  for (const bucket of histogram.buckets) {
    const c = f.num(bucket.count);
    if (cumulative + c >= q * total) {
      const lower = f.num(bucket.lowerBoundMs);
      const upper = f.num(bucket.upperBoundMs);
      return lower + (upper - lower) * ((q * total - cumulative) / c);
    }
    cumulative += c;
  }
  return f.num(histogram.maxMs);
}

function logTicks(lo, hi) {
  const out = [];
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, p);
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out.length > 8 ? out.filter((v) => String(v).startsWith('1')) : out;
}

// ---------------------------------------------------------------------------------------------------------------
// Effect over time: the relative effect and its always-valid confidence sequence at each recorded verdict.

/**
 * @param series [{ t (ms since epoch), effect, lower, upper, decision }] oldest first
 * @param options { width, mde, tolerance, direction, colour }
 */
export function effectChart(series, { width, mde, tolerance, direction, colour }) {
  const height = Math.round(Math.min(300, Math.max(200, width * 0.38)));
  const m = { top: 14, right: 16, bottom: 30, left: 56 };
  const svg = s('svg', { class: 'chart effect', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (series.length === 0) {
    svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, 'No history yet'));
    return svg;
  }
  const last = series[series.length - 1];
  svg.setAttribute('aria-label', `Relative effect over time; now ${f.pct(last.effect)} with always-valid interval ${f.pct(last.lower)} to ${f.pct(last.upper)}`);
  // Early intervals are very wide (or infinite): scale to the settled part so the present stays readable.
  const settled = series.slice(Math.floor(series.length / 4));
  const values = [0, ...finite(settled.flatMap((p) => [p.effect, p.lower, p.upper]))];
  if (mde > 0) values.push(mde, -mde);
  let lo = Math.max(-1, Math.min(...values));
  let hi = Math.min(10, Math.max(...values));
  const pad = (hi - lo) * 0.1 || 0.05;
  lo -= pad;
  hi += pad;
  const same = last.t <= series[0].t;
  const t0 = same ? series[0].t - 500 : series[0].t;
  const t1 = same ? last.t + 500 : last.t;
  const x = linear(t0, t1, m.left, width - m.right);
  const y = linear(lo, hi, height - m.bottom, m.top);
  const cy = (v) => y(Math.max(lo, Math.min(hi, Number.isFinite(v) ? v : v > 0 ? hi : lo)));

  const axis = s('g', { class: 'axis' });
  for (const t of ticks(lo, hi, 5)) {
    axis.append(s('line', { class: 'grid', x1: m.left, x2: width - m.right, y1: y(t), y2: y(t) }));
    axis.append(s('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, f.pct(t, Math.abs(hi - lo) < 0.2 ? 1 : 0)));
  }
  const timeTicks = Math.max(2, Math.min(6, Math.floor(width / 110)));
  const shown = new Set();
  for (let i = 0; i < timeTicks; i++) {
    const t = t0 + ((t1 - t0) * i) / (timeTicks - 1);
    const label = timeLabel(t, t1 - t0);
    if (shown.has(label)) continue;
    shown.add(label);
    axis.append(s('text', { x: x(t), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === timeTicks - 1 ? 'end' : 'middle' }, label));
  }
  svg.append(axis);
  if (tolerance > 0) {
    const harmful = direction === 'DESIRED_DIRECTION_INCREASE' ? -tolerance : tolerance;
    const yA = cy(harmful);
    const yB = harmful > 0 ? y(hi) : y(lo);
    svg.append(s('rect', { class: 'tolerance-zone', x: m.left, width: width - m.left - m.right, y: Math.min(yA, yB), height: Math.abs(yB - yA) }));
  }
  if (mde > 0) {
    for (const v of [mde, -mde]) {
      if (v > lo && v < hi) svg.append(s('line', { class: 'mde', x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }));
    }
  }
  svg.append(s('line', { class: 'zero', x1: m.left, x2: width - m.right, y1: y(0), y2: y(0) }));

  const upper = series.map((p) => `${x(p.t)},${cy(f.num(p.upper))}`);
  const lower = series.map((p) => `${x(p.t)},${cy(f.num(p.lower))}`).reverse();
  svg.append(s('polygon', { class: 'band', points: [...upper, ...lower].join(' '), fill: colour }));
  svg.append(s('polyline', { class: 'effect-line', points: series.map((p) => `${x(p.t)},${cy(f.num(p.effect))}`).join(' '), stroke: colour }));
  svg.append(s('circle', {
    class: 'effect-now', cx: x(last.t), cy: cy(f.num(last.effect)), r: 4, fill: colour,
    'data-points': series.length, 'data-effect': last.effect, 'data-lower': last.lower, 'data-upper': last.upper, 'data-time': last.time,
  }));
  return svg;
}

/** A time-axis label precise enough for the span shown: dates over days, seconds over minutes. */
function timeLabel(t, spanMs) {
  const iso = new Date(t).toISOString();
  if (spanMs > 3 * 86_400_000) return iso.slice(5, 10);
  if (spanMs > 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  if (spanMs > 600_000) return iso.slice(11, 16);
  return iso.slice(11, 19);
}

// ---------------------------------------------------------------------------------------------------------------
// Calls over time: one bar per rate bucket of a traffic report, oldest first.

/**
 * @param points [{ startTime, callCount }] oldest first, each bucketSeconds wide
 * @param options { width, bucketSeconds }
 */
export function rateChart(points, { width, bucketSeconds }) {
  const height = Math.round(Math.min(220, Math.max(150, width * 0.25)));
  const m = { top: 12, right: 16, bottom: 28, left: 48 };
  const svg = s('svg', { class: 'chart rate', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const bucket = (bucketSeconds > 0 ? bucketSeconds : 60) * 1000;
  const counts = points.map((p) => f.num(p.callCount) || 0);
  if (!points.length) {
    svg.setAttribute('aria-label', 'Calls over time: none');
    svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, 'No calls in this range'));
    return svg;
  }
  const peak = Math.max(...counts);
  svg.setAttribute('aria-label', `Calls per ${f.span(bucket / 1000)} over time: ${points.length} intervals, at most ${f.count(peak)} calls in one`);
  const t0 = Date.parse(points[0].startTime);
  const t1 = Date.parse(points[points.length - 1].startTime) + bucket;
  const yTicks = ticks(0, Math.max(1, peak), 4).filter((t) => Number.isInteger(t));
  const top = Math.max(1, peak, ...yTicks);
  const x = linear(t0, t1, m.left, width - m.right);
  const y = linear(0, top, height - m.bottom, m.top);
  const axis = s('g', { class: 'axis' });
  for (const t of yTicks) {
    axis.append(s('line', { class: 'grid', x1: m.left, x2: width - m.right, y1: y(t), y2: y(t) }));
    axis.append(s('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, f.count(t)));
  }
  // Time labels on bucket boundaries, as many as fit.
  const buckets = Math.round((t1 - t0) / bucket);
  const step = Math.max(1, Math.ceil(buckets / (Math.max(2, Math.min(6, Math.floor(width / 110))) - 1)));
  for (let i = 0; i <= buckets; i += step) {
    const t = t0 + i * bucket;
    axis.append(s('text', { x: x(t), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === buckets ? 'end' : 'middle' }, timeLabel(t, t1 - t0)));
  }
  svg.append(axis);
  const bars = s('g', { class: 'rate-bars' });
  points.forEach((p, i) => {
    const start = Date.parse(p.startTime);
    const left = x(start);
    const barWidth = Math.max(1, x(start + bucket) - left - (x(start + bucket) - left > 4 ? 1 : 0));
    bars.append(s('rect', {
      class: 'rate-bar', x: left, y: y(counts[i]), width: barWidth, height: Math.max(0, y(0) - y(counts[i])),
      'data-start': p.startTime, 'data-count': counts[i],
    }, s('title', null, `${f.dateTime(p.startTime)}: ${f.count(counts[i])} calls`)));
  });
  svg.append(bars);
  svg.append(s('line', { class: 'baseline', x1: m.left, x2: width - m.right, y1: y(0), y2: y(0) }));
  return svg;
}

/** A horizontal bar (HTML) filled to `fraction`, for shares and progress. */
export function bar(fraction, tone, label) {
  const fill = h('span', { class: `bar-fill tone-${tone}` });
  fill.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  return h('span', { class: 'bar', role: 'img', 'aria-label': label }, fill);
}
