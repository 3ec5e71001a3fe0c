// The experiment page: the decision and its reasons first, then the evidence — effects per KPI (forest plot), the
// effect over time, latency distributions, exposures and the sample-ratio check, tail contributors, audit trail.
// Every number is a field of the Verdict GetVerdict returns (or of GetVerdictHistory / ListAuditEntries).

import { h, s, replace } from './dom.js';
import * as f from './format.js';
import * as chart from './charts.js';
import { connect, getJson } from './live.js';
import { apiGroups, measureOf, MEASURES } from './apis.js';

const MAX_HISTORY = 2000;

export async function experimentPage(main, id) {
  const state = { id, experiment: null, verdict: null, history: [], audit: null, auditNote: null, ui: { api: null, tail: false, series: null, open: new Set(), allContributors: false } };
  const sections = {
    head: h('div', { class: 'page-head' }),
    decision: h('section', { id: 'decision', class: 'decision', 'aria-labelledby': 'decision-title' }),
    kpis: h('section', { id: 'kpis', class: 'panel', 'aria-labelledby': 'kpis-title' }),
    overTime: h('section', { id: 'over-time', class: 'panel', 'aria-labelledby': 'over-time-title' }),
    latency: h('section', { id: 'latency', class: 'panel', 'aria-labelledby': 'latency-title' }),
    exposures: h('section', { id: 'exposures', class: 'panel', 'aria-labelledby': 'exposures-title' }),
    tail: h('section', { id: 'tail', class: 'panel', 'aria-labelledby': 'tail-title' }),
    audit: h('section', { id: 'audit', class: 'panel', 'aria-labelledby': 'audit-title' }),
  };
  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'announcer' });

  try {
    const [current, history] = await Promise.all([
      getJson(`/api/experiments/${encodeURIComponent(id)}`),
      getJson(`/api/experiments/${encodeURIComponent(id)}/history`),
    ]);
    state.experiment = current.experiment;
    state.verdict = current.verdict;
    state.error = current.error ?? null;
    state.history = (history.points ?? []).map(point);
  } catch (error) {
    replace(main, h('div', { class: 'page-head' },
      h('p', { class: 'crumbs' }, h('a', { href: '/' }, '← All experiments')),
      h('h1', null, id),
      h('p', { class: 'notice error', role: 'alert' }, error.status === 404 ? `No experiment '${id}' on this statistics service.` : `Could not load the experiment: ${error.message}`)));
    return;
  }

  // The page's frame only once there is something to put in it; until then index.html's "Loading…" shows.
  replace(main, sections.head, sections.decision, toc(), sections.kpis, sections.overTime, sections.latency, sections.tail,
    h('div', { class: 'two-columns' }, sections.exposures, sections.audit), announcer);
  const render = () => {
    renderHead(sections.head, state);
    renderDecision(sections.decision, state);
    renderKpis(sections.kpis, state);
    renderOverTime(sections.overTime, state, render);
    renderLatency(sections.latency, state, render);
    renderExposures(sections.exposures, state);
    renderTail(sections.tail, state, render);
    renderAudit(sections.audit, state);
    main.dataset.computeTime = state.verdict?.computeTime ?? '';
    main.dataset.units = state.verdict?.horizon?.units ?? '';
  };
  render();
  loadAudit(state).then(() => renderAudit(sections.audit, state));

  let width = main.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(main.clientWidth - width) > 8) {
      width = main.clientWidth;
      render();
    }
  }).observe(main);

  connect(`/api/live?experiment=${encodeURIComponent(id)}`, async (verdict) => {
    const before = state.verdict;
    state.verdict = verdict;
    for (const kpi of verdict.kpiResults) {
      state.history.push(point({ computeTime: verdict.computeTime, kpiKey: kpi.kpiKey, comparisons: kpi.comparisons, kpiDecision: kpi.decision }));
    }
    if (state.history.length > MAX_HISTORY) state.history = state.history.filter((_, i) => i % 2 === 1 || i >= state.history.length - 50);
    if (before?.decision !== verdict.decision) {
      announcer.textContent = `Decision changed: ${f.decision(verdict).label}`;
    }
    if (!before || before.experimentRevision !== verdict.experimentRevision) {
      // The definition changed (ramp, stop, rollback): fetch it and the audit trail again.
      const current = await getJson(`/api/experiments/${encodeURIComponent(id)}`).catch(() => null);
      if (current?.experiment) state.experiment = current.experiment;
      if (current) state.error = current.error ?? null;
      await loadAudit(state);
    }
    render();
  }, async () => {
    const [current, history] = await Promise.all([
      getJson(`/api/experiments/${encodeURIComponent(id)}`).catch(() => null),
      getJson(`/api/experiments/${encodeURIComponent(id)}/history`).catch(() => null),
    ]);
    if (current) {
      state.experiment = current.experiment ?? state.experiment;
      state.verdict = current.verdict ?? state.verdict;
      state.error = current.error ?? null;
    }
    if (history) state.history = (history.points ?? []).map(point);
    await loadAudit(state);
    render();
  });
  setInterval(() => renderHead(sections.head, state), 30_000);
}

function point(p) {
  return { computeTime: p.computeTime, t: Date.parse(p.computeTime), kpiKey: p.kpiKey, kpiDecision: p.kpiDecision, comparisons: p.comparisons ?? [] };
}

async function loadAudit(state) {
  try {
    const result = await getJson(`/api/experiments/${encodeURIComponent(state.id)}/audit`);
    state.audit = result.audit?.auditEntries ?? null;
    state.auditNote = result.note;
  } catch (error) {
    state.audit = null;
    state.auditNote = `Audit trail unavailable: ${error.message}`;
  }
}

function toc() {
  const links = [['kpis', 'Results'], ['over-time', 'Over time'], ['latency', 'Latency'], ['tail', 'Tail'], ['exposures', 'Exposures'], ['audit', 'Audit trail']];
  return h('nav', { class: 'toc', 'aria-label': 'Sections' }, h('ul', null, links.map(([target, label]) => h('li', null, h('a', { href: `#${target}` }, label)))));
}

function kpiDefinition(state, key) {
  return state.experiment?.kpis?.find((k) => k.key === key);
}

function armIndex(state, key) {
  const arms = state.verdict?.sampleRatioCheck?.arms ?? [];
  const i = arms.findIndex((a) => a.variantKey === key);
  if (i >= 0) return i;
  const variants = state.experiment?.variants ?? [];
  const control = variants.filter((v) => v.isControl).concat(variants.filter((v) => !v.isControl));
  return Math.max(0, control.findIndex((v) => v.key === key));
}

// --- Header ------------------------------------------------------------------------------------------------------

function renderHead(container, { experiment, verdict, id, error }) {
  const name = experiment?.displayName || id;
  document.title = `${name} · Experiments`;
  const status = f.status(verdict?.experimentStatus ?? experiment?.status);
  const facts = [
    experiment?.flagKey ? `flag ${experiment.flagKey}` : null,
    experiment?.startTime ? `started ${f.ago(experiment.startTime)}` : null,
    `randomized by ${f.unitName(verdict?.randomizationUnit ?? experiment?.randomizationUnit).replace(/s$/, '')}`,
    experiment?.rolloutPercent !== undefined ? `rollout ${f.num(experiment.rolloutPercent)}%` : null,
    verdict ? `revision ${verdict.experimentRevision}` : null,
  ].filter(Boolean);
  replace(container,
    h('p', { class: 'crumbs' }, h('a', { href: '/', 'data-focus': 'back' }, '← All experiments')),
    h('div', { class: 'title-row' },
      h('h1', null, name),
      h('span', { class: `status status-${status.toLowerCase()}` }, status)),
    experiment?.description ? h('p', { class: 'lead' }, experiment.description) : null,
    h('p', { class: 'meta' }, facts.join(' · ')),
    error ? h('p', { class: 'notice error', role: 'alert', 'data-experiment-error': '' }, `Part of this experiment cannot be shown: ${error}`) : null);
}

// --- Decision ----------------------------------------------------------------------------------------------------

function renderDecision(container, { verdict, experiment }) {
  const d = f.decision(verdict);
  container.className = `decision decision-${d.tone}`;
  container.dataset.decision = verdict?.decision ?? 'NONE';
  const reasons = verdict?.reasons ?? [];
  const rolledBackTo = f.autoRolledBackTo(verdict, experiment);
  replace(container,
    h('div', { class: 'decision-main' },
      h('p', { class: 'eyebrow' }, verdict?.experimentStatus === 'EXPERIMENT_STATUS_STOPPED' ? 'Final verdict' : 'Verdict'),
      h('h2', { id: 'decision-title', class: 'decision-title' }, h('span', { class: 'decision-icon', 'aria-hidden': 'true' }, d.icon), d.label),
      h('p', { class: 'decision-meaning' }, f.decisionMeaning(verdict, experiment)),
      rolledBackTo ? h('p', { class: 'notice warn', 'data-auto-rollback': rolledBackTo }, `Automatic rollback: ramped to 0%, every unit now gets ${rolledBackTo}.`) : null,
      reasons.length ? h('div', { class: 'reasons' },
        h('h3', null, 'Why'),
        h('ol', { class: 'reason-list' }, reasons.map((r) => h('li', null, r)))) : null,
      verdict ? h('p', { class: 'computed' }, `Computed ${f.dateTime(verdict.computeTime)} from events up to ${f.dateTime(verdict.asOfTime)}; α = ${f.num(verdict.alpha)}, ${correction(verdict.multipleTestingCorrection)}.`) : null),
    verdict ? facts(verdict, experiment) : null);
}

function correction(value) {
  return { MULTIPLE_TESTING_CORRECTION_HOLM: 'Holm correction', MULTIPLE_TESTING_CORRECTION_BENJAMINI_HOCHBERG: 'Benjamini–Hochberg correction', MULTIPLE_TESTING_CORRECTION_NONE: 'no multiplicity correction' }[value] ?? 'Holm correction';
}

function facts(verdict, experiment) {
  const horizon = verdict.horizon ?? {};
  const units = f.num(horizon.units);
  const maxUnits = f.num(horizon.maxUnits);
  const elapsed = f.seconds(horizon.elapsed);
  const maxDuration = f.seconds(horizon.maxDuration);
  const srm = verdict.sampleRatioCheck;
  const primary = verdict.kpiResults.find((k) => k.role === 'KPI_ROLE_PRIMARY');
  const power = primary?.power;
  const unit = f.unitName(verdict.randomizationUnit);
  const items = [
    fact('Enrolled', `${f.count(units)} ${unit}`, maxUnits > 0 ? `of ${f.count(maxUnits)} planned` : 'no unit limit',
      maxUnits > 0 ? chart.bar(units / maxUnits, 'info', `${f.share(units / maxUnits, 0)} of planned units`) : null, { 'data-units': horizon.units }),
    fact('Running for', f.span(elapsed), (maxDuration > 0 ? `of ${f.span(maxDuration)} planned` : 'open-ended') + ', event time',
      maxDuration > 0 ? chart.bar(elapsed / maxDuration, 'info', `${f.share(elapsed / maxDuration, 0)} of planned time`) : null),
    units === 0
      ? fact('Sample ratio', 'No data yet', 'no unit exposed so far', null, { class: 'fact' })
      : fact('Sample ratio', srm?.passed ? 'OK' : 'Mismatch', `p = ${f.pValue(srm?.pValue)}`, null, { class: srm?.passed ? 'fact tone-good-text' : 'fact tone-bad-text' }),
  ];
  if (power && f.num(power.requiredUnitsPerArm) > 0) {
    const observed = f.num(power.observedUnitsPerArm);
    const required = f.num(power.requiredUnitsPerArm);
    const remaining = f.seconds(power.estimatedTimeRemaining);
    items.push(fact('Power', observed >= required ? 'Reached' : `${f.share(Math.min(1, observed / required), 0)}`,
      `${f.count(observed)} of ${f.count(required)} ${unit}/arm for ±${f.pct(power.minimumDetectableEffect, 1).replace('+', '')} at ${f.share(power.targetPower, 0)} power` +
        (observed < required && Number.isFinite(remaining) ? ` · ~${f.span(remaining)} to go in event time` : ''),
      chart.bar(observed / required, observed >= required ? 'good' : 'info', 'power progress')));
  }
  return h('dl', { class: 'facts' }, items);
  function fact(term, value, detail, extra, attrs) {
    return h('div', { class: 'fact', ...attrs }, h('dt', null, term), h('dd', null, h('span', { class: 'fact-value' }, value), h('span', { class: 'fact-detail' }, detail), extra));
  }
}

// --- Forest plot -------------------------------------------------------------------------------------------------

function renderKpis(container, state) {
  const { verdict } = state;
  const title = h('h2', { id: 'kpis-title' }, 'Results by API');
  if (!verdict) {
    replace(container, title, h('p', { class: 'muted' }, state.error ? 'No verdict to show: see the error above.' : 'No verdict yet: results appear once events arrive.'));
    return;
  }
  const level = `${Math.round((1 - f.num(verdict.alpha)) * 100)}%`;
  const groups = apiGroups(verdict.kpiResults).map((group) => ({ ...group, rows: [] }));
  const rows = [];
  for (const group of groups) {
    for (const kpi of group.kpis) {
      const definition = kpiDefinition(state, kpi.kpiKey);
      const mde = f.num(kpi.power?.minimumDetectableEffect);
      for (const comparison of kpi.comparisons) {
        const [decisionLabel, tone] = f.kpiDecision(comparison.decision);
        const row = {
          kpi, definition, comparison, tone, decisionLabel,
          label: f.kpiName(kpi, definition), kpiKey: kpi.kpiKey, variantKey: comparison.variantKey, decision: comparison.decision,
          effect: comparison.relativeEffect, lower: decisionInterval(comparison)?.lower, upper: decisionInterval(comparison)?.upper,
          mde: Number.isFinite(mde) ? mde : 0, tolerance: kpi.role === 'KPI_ROLE_GUARDRAIL' ? f.num(definition?.tolerance) || 0 : 0, direction: kpi.direction,
        };
        rows.push(row);
        group.rows.push(row);
      }
    }
  }
  const scale = chart.forestScale(rows);
  const multipleTreatments = new Set(rows.map((r) => r.variantKey)).size > 1;
  replace(container,
    h('div', { class: 'panel-head' },
      title,
      h('p', { class: 'panel-note' }, `The KPIs of each API the experiment measures — those the backend serves and the dependency calls it makes — then all calls and users. Relative change of each treatment against ${verdict.controlVariantKey}, with the always-valid interval and p-value the decision used (${level}, or wider where the multiple-testing correction asks), valid however often you look. A guardrail must be shown within its tolerance before anything ships.`)),
    h('div', { class: 'forest', role: 'table', 'aria-label': 'Effects per KPI, grouped by API' },
      h('div', { class: 'forest-row forest-header', role: 'row' },
        h('span', { role: 'columnheader', class: 'col-kpi' }, 'KPI'),
        h('span', { role: 'columnheader', class: 'col-values' }, `${verdict.controlVariantKey} → treatment`),
        h('span', { role: 'columnheader', class: 'col-plot' }, chart.forestAxis(scale)),
        h('span', { role: 'columnheader', class: 'col-effect' }, 'Change'),
        h('span', { role: 'columnheader', class: 'col-decision' }, 'Outcome')),
      groups.map((group) => h('div', { class: `api-group api-${group.side}`, role: 'rowgroup', 'data-api-group': group.key, 'data-api-side': group.side },
        h('div', { class: 'api-heading', role: 'row' },
          h('div', { role: 'rowheader', 'aria-colspan': 5 },
            h('h3', { class: 'api-title' }, group.kind ? h('span', { class: 'api-kind' }, group.kind) : null, group.kind ? ' ' : null, h('code', { class: 'api-name' }, group.title)),
            h('p', { class: 'api-what' }, group.what),
            (group.notes ?? []).map((note) => h('p', { class: 'api-note' }, note)))),
        group.rows.map((row) => forestRow(row, scale, state, multipleTreatments)),
        missingKpis(group.kpis, state)))),
    h('p', { class: 'legend' },
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch ci-swatch tone-good' }), 'better'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch ci-swatch tone-bad' }), 'worse'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch ci-swatch tone-warn' }), 'worse, within tolerance'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch ci-swatch tone-neutral' }), 'no significant difference'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch mde-swatch' }), '±MDE'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch tolerance-swatch' }), 'beyond guardrail tolerance')));
}

/** A KPI's name inside its API's group: the API is the group's heading, so the kind and the stream measure suffice. */
function labelInGroup(kpi, definition) {
  if (definition?.displayName) return definition.displayName;
  const name = f.kpiName({ ...kpi, apiName: '' }, definition);
  const measure = measureOf(kpi.apiName);
  return measure ? `${name} · ${MEASURES[measure].label}` : name;
}

function forestRow(row, scale, state, multipleTreatments) {
  const { kpi, comparison, definition } = row;
  const control = kpi.arms[0];
  const treatment = kpi.arms.find((a) => a.variantKey === comparison.variantKey);
  const detailsKey = `${kpi.kpiKey}/${comparison.variantKey}`;
  const details = h('details', { class: 'kpi-details', open: state.ui.open.has(detailsKey) },
    h('summary', { 'data-focus': `details-${detailsKey}` }, 'Details'),
    kpiDetails(kpi, comparison, definition, state.verdict));
  details.addEventListener('toggle', () => (details.open ? state.ui.open.add(detailsKey) : state.ui.open.delete(detailsKey)));
  return h('div', { class: 'forest-row', role: 'row', 'data-tone': row.tone, 'data-kpi': kpi.kpiKey, 'data-variant': comparison.variantKey },
    h('div', { role: 'cell', class: 'col-kpi' },
      h('span', { class: 'kpi-name' }, labelInGroup(kpi, definition)),
      h('span', { class: 'kpi-tags' },
        h('span', { class: `role role-${(f.ROLES[kpi.role] ?? '').toLowerCase()}` }, f.ROLES[kpi.role] ?? 'KPI'),
        h('span', { class: 'direction' }, kpi.direction === 'DESIRED_DIRECTION_INCREASE' ? '↑ ' : '↓ ', f.directionLabel(kpi.direction)),
        multipleTreatments ? h('span', { class: 'variant' }, comparison.variantKey) : null,
        definition?.displayName && measureOf(kpi.apiName) ? h('span', { class: 'measure' }, MEASURES[measureOf(kpi.apiName)].label) : null)),
    h('div', { role: 'cell', class: 'col-values' },
      h('span', { class: 'value', 'data-arm': control?.variantKey, 'data-estimate': control?.estimate }, f.kpiValue(kpi.kind, control?.estimate)),
      h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '),
      h('span', { class: 'value strong', 'data-arm': treatment?.variantKey, 'data-estimate': treatment?.estimate }, f.kpiValue(kpi.kind, treatment?.estimate))),
    h('div', { role: 'cell', class: 'col-plot' }, chart.forestRow(scale, row)),
    h('div', { role: 'cell', class: 'col-effect' },
      h('strong', { class: `effect tone-${row.tone}`, 'data-effect': comparison.relativeEffect }, f.pct(comparison.relativeEffect)),
      h('span', { class: 'interval' }, f.pctInterval(decisionInterval(comparison)))),
    h('div', { role: 'cell', class: 'col-decision' },
      h('span', { class: `outcome tone-${row.tone}` }, icon(row.tone), row.decisionLabel),
      guardrailStatus(kpi, comparison),
      h('span', { class: 'pvalue', 'data-decision-p': comparison.decisionPValue }, decisionPLabel(kpi, comparison))),
    h('div', { role: 'cell', class: 'col-details' }, details));
}

// The interval the decision used; verdicts from before it was reported fall back to the 1 − α sequence.
function decisionInterval(comparison) {
  return comparison.decisionInterval ?? comparison.relativeConfidenceSequence;
}

function harmfulTolerance(kpi) {
  const tolerance = f.num(kpi.tolerance) || 0;
  return kpi.direction === 'DESIRED_DIRECTION_INCREASE' ? -tolerance : tolerance;
}

function decisionPLabel(kpi, comparison) {
  const p = comparison.decisionPValue ?? comparison.adjustedSequentialPValue;
  return kpi.role === 'KPI_ROLE_GUARDRAIL'
    ? `p = ${f.pValue(p)} vs ${f.pct(harmfulTolerance(kpi))} tolerance`
    : `adjusted p = ${f.pValue(p)}`;
}

const GUARDRAIL_STATUS = {
  GUARDRAIL_STATUS_WITHIN_TOLERANCE: ['within tolerance', 'good'],
  GUARDRAIL_STATUS_BEYOND_TOLERANCE: ['beyond tolerance', 'bad'],
  GUARDRAIL_STATUS_NOT_YET_SHOWN: ['not yet shown within tolerance', 'warn'],
};

function guardrailStatus(kpi, comparison) {
  if (kpi.role !== 'KPI_ROLE_GUARDRAIL') return null;
  const [label, tone] = GUARDRAIL_STATUS[comparison.guardrailStatus] ?? GUARDRAIL_STATUS.GUARDRAIL_STATUS_NOT_YET_SHOWN;
  return h('span', { class: `guardrail-status tone-${tone}-text`, 'data-guardrail-status': comparison.guardrailStatus ?? '' }, label);
}

// KPIs without a comparison yet (too few units with data): listed in their API's group with why, rather than left out.
function missingKpis(kpis, state) {
  const missing = kpis.filter((k) => k.comparisons.length === 0);
  if (missing.length === 0) return null;
  return h('ul', { class: 'kpi-missing' }, missing.map((kpi) =>
    h('li', { 'data-kpi': kpi.kpiKey },
      h('strong', null, labelInGroup(kpi, kpiDefinition(state, kpi.kpiKey))), ` — ${f.kpiDecision(kpi.decision)[0]}` +
        (kpi.role === 'KPI_ROLE_GUARDRAIL' ? ', not yet shown within tolerance' : '') +
        (kpi.reasons.length ? `: ${kpi.reasons[0]}` : ''))));
}

function icon(tone) {
  return h('span', { class: 'icon', 'aria-hidden': 'true' }, { good: '▲ ', bad: '▼ ', warn: '△ ', neutral: '○ ' }[tone] ?? '');
}

function sampleSize(power, unit) {
  const observed = f.num(power.observedUnitsPerArm);
  const required = f.num(power.requiredUnitsPerArm);
  const goal = power.nonInferiority
    ? `to show it within its ${f.pct(power.minimumDetectableEffect).replace('+', '')} tolerance if unharmed`
    : `for ±${f.pct(power.minimumDetectableEffect).replace('+', '')}`;
  return observed >= required
    ? `${f.count(observed)} ${unit} per arm, past the ${f.count(required)} planned ${goal}`
    : `${f.count(observed)} of ${f.count(required)} ${unit} per arm ${goal}`;
}

function kpiDetails(kpi, comparison, definition, verdict) {
  const latency = f.isLatency(kpi.kind);
  // Quantile KPIs carry each arm's own interval (order statistics), asymmetric around the estimate.
  const armIntervals = kpi.arms.some((a) => a.estimateCi);
  const reasons = [...kpi.reasons, ...comparison.reasons.filter((r) => !kpi.reasons.includes(r))];
  const dl = (pairs) => h('dl', { class: 'pairs' }, pairs.filter(Boolean).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
  return h('div', { class: 'details-body' },
    reasons.length ? h('ul', { class: 'kpi-reasons' }, reasons.map((r) => h('li', null, r))) : null,
    h('div', { class: 'details-grid' },
      dl([
        ['Test', kpi.testName || '–'],
        ['Absolute change', `${f.kpiValue(kpi.kind, comparison.absoluteEffect)} (always-valid ${f.kpiValue(kpi.kind, comparison.absoluteConfidenceSequence?.lower)} to ${f.kpiValue(kpi.kind, comparison.absoluteConfidenceSequence?.upper)})`],
        ['Decision used', `always-valid ${((1 - (f.num(comparison.decisionLevel) || f.num(verdict.alpha))) * 100).toFixed(1)}% interval ${f.pctInterval(decisionInterval(comparison))}, ${decisionPLabel(kpi, comparison)}`],
        ['Always-valid p (no difference)', `${f.pValue(comparison.sequentialPValue)} (adjusted ${f.pValue(comparison.adjustedSequentialPValue)})`],
        ['Fixed-horizon (reference only)', `${f.pctInterval(comparison.relativeCi)}, p = ${f.pValue(comparison.pValue)} (adjusted ${f.pValue(comparison.adjustedPValue)})`],
        ['Ruled out', `effects beyond ±${f.pct(comparison.ruledOutRelativeEffect).replace('+', '')}`],
        kpi.role === 'KPI_ROLE_GUARDRAIL' ? ['Tolerance', `${f.pct(definition?.tolerance ?? 0).replace('+', '')} worse`] : null,
        kpi.power ? ['Sample size', sampleSize(kpi.power, f.unitName(verdict.randomizationUnit))] : null,
      ]),
      h('table', { class: 'arms-table' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Arm'), h('th', { scope: 'col', class: 'num' }, f.unitName(verdict.randomizationUnit)), h('th', { scope: 'col', class: 'num' }, 'Observations'),
          h('th', { scope: 'col', class: 'num' }, 'Estimate'), h('th', { scope: 'col', class: 'num' }, 'Std. error'),
          armIntervals ? h('th', { scope: 'col', class: 'num' }, `Fixed-horizon ${f.pct(1 - (verdict.alpha || 0.05), 0).replace('+', '')} CI`) : null,
          latency ? [h('th', { scope: 'col', class: 'num' }, 'p50'), h('th', { scope: 'col', class: 'num' }, 'p95'), h('th', { scope: 'col', class: 'num' }, 'p99')] : null)),
        h('tbody', null, kpi.arms.map((arm) => h('tr', null,
          h('th', { scope: 'row' }, arm.variantKey), h('td', { class: 'num' }, f.count(arm.units)), h('td', { class: 'num' }, f.count(arm.observations)),
          h('td', { class: 'num' }, f.kpiValue(kpi.kind, arm.estimate)), h('td', { class: 'num' }, f.kpiValue(kpi.kind, arm.standardError)),
          armIntervals ? h('td', { class: 'num', 'data-arm-ci': arm.variantKey }, arm.estimateCi
            ? `${f.kpiValue(kpi.kind, arm.estimateCi.lower ?? 0)} – ${f.kpiValue(kpi.kind, arm.estimateCi.upper ?? 0)}` : '—') : null,
          latency ? [h('td', { class: 'num' }, f.ms(arm.latency?.p50Ms)), h('td', { class: 'num' }, f.ms(arm.latency?.p95Ms)), h('td', { class: 'num' }, f.ms(arm.latency?.p99Ms))] : null))))),
    comparison.supplementaryTests?.length ? h('ul', { class: 'supplementary' }, comparison.supplementaryTests.map((t) =>
      h('li', null, `${t.testName}: statistic ${f.num(t.statistic).toPrecision(4)}, p = ${f.pValue(t.pValue)}` +
        (f.num(t.estimate) !== 0 ? `, estimate ${latency ? f.ms(t.estimate) : f.num(t.estimate).toPrecision(3)}` : '')))) : null);
}

// --- Effect over time --------------------------------------------------------------------------------------------

function renderOverTime(container, state, rerender) {
  const { verdict } = state;
  const title = h('h2', { id: 'over-time-title' }, 'Effect over time');
  if (!verdict) {
    replace(container, title);
    return;
  }
  const options = [];
  for (const kpi of verdict.kpiResults) {
    for (const comparison of kpi.comparisons) {
      options.push({ key: `${kpi.kpiKey}/${comparison.variantKey}`, kpi, variantKey: comparison.variantKey });
    }
  }
  const multipleTreatments = new Set(options.map((o) => o.variantKey)).size > 1;
  // By default the series the decision rests on: a breached guardrail for a rollback, else the primary KPI.
  const breached = verdict.decision === 'VERDICT_DECISION_ROLL_BACK'
    ? options.find((o) => o.kpi.role === 'KPI_ROLE_GUARDRAIL' && o.kpi.comparisons.some((c) => c.variantKey === o.variantKey && c.decision === 'KPI_DECISION_WORSE'))
    : null;
  const winner = options.find((o) => o.kpi.role === 'KPI_ROLE_PRIMARY' && o.variantKey === verdict.winningVariantKey);
  const selected = options.find((o) => o.key === state.ui.series) ?? breached ?? winner ?? options.find((o) => o.kpi.role === 'KPI_ROLE_PRIMARY') ?? options[0];
  if (!selected) {
    replace(container, title);
    return;
  }
  const series = state.history
    .filter((p) => p.kpiKey === selected.kpi.kpiKey)
    .map((p) => ({ p, c: p.comparisons.find((c) => c.variantKey === selected.variantKey) }))
    .filter(({ c }) => c)
    .map(({ p, c }) => ({ t: p.t, time: p.computeTime, effect: c.relativeEffect, lower: c.relativeConfidenceSequence?.lower, upper: c.relativeConfidenceSequence?.upper }));
  const definition = kpiDefinition(state, selected.kpi.kpiKey);
  const plot = h('div', { class: 'chart-box' });
  replace(container,
    h('div', { class: 'panel-head' },
      title,
      h('p', { class: 'panel-note' }, 'The estimate and its always-valid confidence sequence at every verdict. The band narrows as data arrives; once it leaves zero (and the MDE lines for equivalence), the outcome is decided.')),
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'KPI shown' }, options.map((o) => h('button', {
      type: 'button', class: 'tab', 'aria-pressed': String(o === selected), 'data-focus': `series-${o.key}`,
      onclick: () => {
        state.ui.series = o.key;
        rerender();
      },
    }, f.kpiName(o.kpi, kpiDefinition(state, o.kpi.kpiKey)), multipleTreatments ? ` · ${o.variantKey}` : ''))),
    plot);
  const width = Math.max(280, plot.clientWidth || container.clientWidth - 32);
  plot.append(chart.effectChart(series, {
    width, mde: f.num(selected.kpi.power?.minimumDetectableEffect) || 0, direction: selected.kpi.direction,
    tolerance: selected.kpi.role === 'KPI_ROLE_GUARDRAIL' ? f.num(definition?.tolerance) || 0 : 0,
    colour: chart.armColour(armIndex(state, selected.variantKey)),
  }));
}

// --- Latency distributions ---------------------------------------------------------------------------------------

function renderLatency(container, state, rerender) {
  const { verdict } = state;
  const title = h('h2', { id: 'latency-title' }, 'Latency distribution');
  const histograms = verdict?.latencyHistograms ?? [];
  if (!histograms.length) {
    replace(container, title, h('p', { class: 'muted' }, 'No request latencies yet.'));
    return;
  }
  const latencyKpis = verdict.kpiResults.filter((k) => f.isLatency(k.kind));
  const apis = [...new Set(histograms.map((x) => x.apiName))].sort((a, b) => {
    const ka = latencyKpis.some((k) => k.apiName === a) ? 0 : 1;
    const kb = latencyKpis.some((k) => k.apiName === b) ? 0 : 1;
    return ka - kb || a.localeCompare(b);
  });
  const api = apis.includes(state.ui.api) ? state.ui.api : apis[0];
  const kpi = latencyKpis.find((k) => k.apiName === api && k.arms.some((a) => a.latency));
  const arms = histograms.filter((x) => x.apiName === api).map((histogram) => {
    const estimate = kpi?.arms.find((a) => a.variantKey === histogram.variantKey);
    const fromVerdict = estimate?.latency;
    return {
      key: histogram.variantKey, histogram, colour: chart.armColour(armIndex(state, histogram.variantKey)),
      source: fromVerdict ? 'verdict' : 'histogram',
      quantiles: fromVerdict
        ? { p50: fromVerdict.p50Ms, p95: fromVerdict.p95Ms, p99: fromVerdict.p99Ms }
        : { p50: chart.quantileOf(histogram, 0.5), p95: chart.quantileOf(histogram, 0.95), p99: chart.quantileOf(histogram, 0.99) },
    };
  }).sort((a, b) => armIndex(state, a.key) - armIndex(state, b.key));
  const plot = h('div', { class: 'chart-box' });
  const approximate = arms.some((a) => a.source === 'histogram');
  replace(container,
    h('div', { class: 'panel-head' },
      title,
      h('p', { class: 'panel-note' }, 'Share of requests at or below each latency, per arm (log scale). Dots mark each arm\'s p50, p95 and p99; a curve further left is faster.')),
    h('div', { class: 'toolbar' },
      h('div', { class: 'tabs', role: 'group', 'aria-label': 'API shown' }, apis.map((a) => h('button', {
        type: 'button', class: 'tab', 'aria-pressed': String(a === api), 'data-focus': `api-${a}`,
        onclick: () => {
          state.ui.api = a;
          rerender();
        },
      }, a || 'All APIs'))),
      h('button', {
        type: 'button', class: 'toggle', 'aria-pressed': String(state.ui.tail), 'data-focus': 'tail-toggle',
        onclick: () => {
          state.ui.tail = !state.ui.tail;
          rerender();
        },
      }, 'Zoom on the tail')),
    h('div', { class: 'legend' }, arms.map((a) => h('span', { class: 'legend-item' }, swatch(a.colour), a.key))),
    plot,
    h('table', { class: 'quantiles', 'data-api': api },
      h('caption', { class: 'visually-hidden' }, `Latency quantiles of ${api || 'all APIs'}`),
      h('thead', null, h('tr', null, ['Arm', 'Requests', 'p50', 'p95', 'p99', 'Max'].map((c, i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
      h('tbody', null, arms.map((a) => h('tr', { 'data-arm': a.key, 'data-source': a.source },
        h('th', { scope: 'row' }, swatch(a.colour), a.key),
        h('td', { class: 'num' }, f.count(a.histogram.count)),
        ['p50', 'p95', 'p99'].map((q) => h('td', { class: 'num', 'data-quantile': q, 'data-value-ms': a.quantiles[q] }, (a.source === 'histogram' ? '≈ ' : '') + f.ms(a.quantiles[q]))),
        h('td', { class: 'num' }, f.ms(a.histogram.maxMs)))))),
    approximate ? h('p', { class: 'footnote' }, '≈ read off the histogram (about 1% accurate): no latency KPI covers this API.') : null);
  const width = Math.max(280, plot.clientWidth || container.clientWidth - 32);
  plot.append(chart.cdfChart(arms, { width, tail: state.ui.tail }));
}

function swatch(colour) {
  return s('svg', { class: 'swatch-dot', width: 10, height: 10, viewBox: '0 0 10 10', 'aria-hidden': 'true' }, s('circle', { cx: 5, cy: 5, r: 5, fill: colour }));
}

// --- Exposures and sample ratio ----------------------------------------------------------------------------------

function renderExposures(container, state) {
  const srm = state.verdict?.sampleRatioCheck;
  const title = h('h2', { id: 'exposures-title' }, 'Exposures and sample ratio');
  if (!srm) {
    replace(container, title, h('p', { class: 'muted' }, 'No exposures yet.'));
    return;
  }
  const total = srm.arms.reduce((sum, a) => sum + f.num(a.observedUnits), 0);
  const unit = f.unitName(state.verdict.randomizationUnit);
  replace(container,
    title,
    h('p', { class: `srm-result ${srm.passed ? 'tone-good-text' : 'tone-bad-text'}`, 'data-passed': String(srm.passed), 'data-p-value': srm.pValue, 'data-chi-square': srm.chiSquare },
      h('strong', null, srm.passed ? '✓ Split as configured' : '✕ Sample ratio mismatch'),
      ` — χ² = ${f.num(srm.chiSquare).toFixed(2)} (df ${srm.degreesOfFreedom}), p = ${f.pValue(srm.pValue)} ${srm.passed ? '≥' : '<'} ${f.pValue(srm.threshold)}.`,
      srm.passed ? '' : ' Every verdict is blocked until the cause is found.'),
    h('ul', { class: 'exposure-list' }, srm.arms.map((arm) => {
      const observed = f.num(arm.observedUnits);
      const observedShare = total > 0 ? observed / total : 0;
      const expectedShare = f.num(arm.expectedShare);
      const marker = h('span', { class: 'expected-marker', title: `expected ${f.share(expectedShare)}` });
      marker.style.left = `${expectedShare * 100}%`;
      const b = chart.bar(observedShare, armIndex(state, arm.variantKey) === 0 ? 'control' : 'treatment', `${arm.variantKey}: ${f.share(observedShare)} observed, ${f.share(expectedShare)} expected`);
      b.append(marker);
      return h('li', { 'data-arm': arm.variantKey, 'data-observed': arm.observedUnits, 'data-expected': arm.expectedUnits },
        h('div', { class: 'exposure-head' },
          h('span', { class: 'arm-name' }, swatch(chart.armColour(armIndex(state, arm.variantKey))), arm.variantKey),
          h('span', { class: 'exposure-count' }, h('strong', null, f.count(observed)), ` ${unit} · ${f.share(observedShare)}`)),
        b,
        h('span', { class: 'fact-detail' }, `expected ${f.count(arm.expectedUnits)} (${f.share(expectedShare)})`));
    })));
}

// --- Tail contributors -------------------------------------------------------------------------------------------

function renderTail(container, state, rerender) {
  const title = h('h2', { id: 'tail-title' }, 'Who dominates the tail');
  const groups = new Map();
  for (const kpi of state.verdict?.kpiResults ?? []) {
    if (!kpi.tailContributors?.length) continue;
    const key = JSON.stringify(kpi.tailContributors);
    const group = groups.get(key) ?? { kpis: [], contributors: kpi.tailContributors };
    group.kpis.push(kpi);
    groups.set(key, group);
  }
  if (!groups.size) {
    replace(container, title, h('p', { class: 'muted' }, 'No latency KPI has tail requests yet.'));
    return;
  }
  const all = state.ui.allContributors;
  const hidden = [...groups.values()].reduce((n, g) => n + g.contributors.length - top(g.contributors).length, 0);
  replace(container,
    h('div', { class: 'panel-head toolbar' },
      h('div', null,
        title,
        h('p', { class: 'panel-note' }, 'Clients or units with the largest share of each arm\'s slowest requests (above the arm\'s p99, or p95 for a p95 KPI). Outliers are reported, never removed.')),
      hidden > 0 || all ? h('button', {
        type: 'button', class: 'toggle', 'aria-pressed': String(all), 'data-focus': 'tail-all',
        onclick: () => {
          state.ui.allContributors = !all;
          rerender();
        },
      }, all ? 'Show top 3 per arm' : `Show all (${hidden} more)`) : null),
    h('div', { class: 'tail-groups' }, [...groups.values()].map((group) => h('div', { class: 'tail-group' },
      h('h3', null, group.kpis.map((k) => f.kpiName(k, kpiDefinition(state, k.kpiKey))).join(', ')),
      h('div', { class: 'table-scroll' }, h('table', { class: 'tail-table' },
        h('thead', null, h('tr', null, ['Arm', 'Who', 'Tail requests', 'Share of arm\'s tail', 'Above'].map((c, i) => h('th', { scope: 'col', class: i === 2 || i === 4 ? 'num' : null }, c)))),
        h('tbody', null, (all ? group.contributors : top(group.contributors)).map((t) => h('tr', { 'data-arm': t.variantKey, 'data-who': t.clientId ?? t.unitId, 'data-tail-share': t.tailShare },
          h('td', null, swatch(chart.armColour(armIndex(state, t.variantKey))), t.variantKey),
          h('td', null, h('span', { class: 'who-kind' }, t.clientId !== undefined ? 'client ' : 'unit '), h('code', null, t.clientId ?? t.unitId)),
          h('td', { class: 'num' }, `${f.count(t.tailRequestCount)} of ${f.count(t.requestCount)}`),
          h('td', { class: 'share-cell' }, chart.bar(f.num(t.tailShare), 'bad', `${f.share(t.tailShare)} of the arm's tail`), h('span', null, f.share(t.tailShare))),
          h('td', { class: 'num' }, f.ms(t.tailThresholdMs)))))))))));
}

/** The first three contributors of each arm, in the verdict's order (largest share first). */
function top(contributors) {
  const seen = new Map();
  return contributors.filter((t) => {
    const n = seen.get(t.variantKey) ?? 0;
    seen.set(t.variantKey, n + 1);
    return n < 3;
  });
}

// --- Audit trail -------------------------------------------------------------------------------------------------

function renderAudit(container, state) {
  const title = h('h2', { id: 'audit-title' }, 'Audit trail');
  const note = state.auditNote ? h('p', { class: 'notice', 'data-audit-note': '' }, state.auditNote) : null;
  if (!state.audit) {
    replace(container, title, note ?? h('p', { class: 'muted' }, 'Loading…'));
    return;
  }
  const entries = [...state.audit].sort((a, b) => f.num(b.revision) - f.num(a.revision));
  replace(container,
    title,
    h('p', { class: 'panel-note' }, 'Every change to the experiment — ramps, stops, rollbacks — with who made it and why, newest first.'),
    note,
    entries.length ? h('ol', { class: 'timeline' }, entries.map((e) => h('li', { class: `audit-entry action-${f.action(e.action).toLowerCase()}`, 'data-revision': e.revision, 'data-action': e.action },
      h('div', { class: 'audit-head' },
        h('span', { class: 'audit-action' }, f.action(e.action)),
        h('span', { class: 'audit-summary' }, e.summary || ''),
        h('time', { datetime: e.createTime }, f.dateTime(e.createTime))),
      h('p', { class: 'audit-meta' }, `revision ${e.revision} · by ${e.actor || 'unknown'}`),
      e.reason ? h('blockquote', { class: 'audit-reason' }, e.reason) : null,
      e.changes?.length ? h('ul', { class: 'changes' }, e.changes.map((c) => h('li', null, h('code', null, c.fieldPath), ': ', h('span', { class: 'before' }, c.before || '—'), ' → ', h('span', { class: 'after' }, c.after || '—')))) : null)))
      : h('p', { class: 'muted' }, 'No changes recorded.'));
}
