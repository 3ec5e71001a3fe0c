// The experiment list: what each experiment concludes, at a glance, most urgent first.

import { h, replace } from './dom.js';
import * as f from './format.js';
import { connect, getJson } from './live.js';

const URGENCY = {
  VERDICT_DECISION_ROLL_BACK: 0,
  VERDICT_DECISION_INVALID: 1,
  VERDICT_DECISION_SHIP: 2,
  VERDICT_DECISION_KEEP_RUNNING: 3,
  VERDICT_DECISION_INCONCLUSIVE: 4,
};

export async function listPage(main) {
  document.title = 'Experiments';
  const rows = new Map();
  const summary = h('div', { class: 'summary', 'aria-live': 'polite' });
  const body = h('div', { class: 'list-body' });
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, 'Experiments'),
      h('p', { class: 'lead' }, 'Verdicts of every experiment this statistics service analyses, updated live. Start with the top rows: they need a decision.')),
    summary,
    body);

  const render = () => {
    const items = [...rows.values()].sort(compare);
    replace(summary, summaryChips(items));
    replace(body, items.length ? table(items) : empty());
  };
  try {
    const data = await getJson('/api/experiments');
    for (const item of data.experiments) rows.set(item.experiment.id, item);
  } catch (error) {
    replace(body, h('p', { class: 'notice error', role: 'alert' }, `Could not load experiments: ${error.message}`));
    return;
  }
  render();
  const reload = async () => {
    const data = await getJson('/api/experiments').catch(() => null);
    for (const item of data?.experiments ?? []) rows.set(item.experiment.id, item);
  };
  connect('/api/live', async (verdict) => {
    const known = rows.get(verdict.experimentId);
    if (known && known.experiment.revision === verdict.experimentRevision) {
      known.verdict = verdict;
    } else {
      // A new experiment or a changed definition (ramp, stop): reload its definition with the list.
      await reload();
      if (rows.has(verdict.experimentId)) rows.get(verdict.experimentId).verdict = verdict;
    }
    render();
  }, async () => {
    await reload();
    render();
  });
  setInterval(render, 30_000); // ages
}

function compare(a, b) {
  const ua = URGENCY[a.verdict?.decision] ?? 9;
  const ub = URGENCY[b.verdict?.decision] ?? 9;
  if (ua !== ub) return ua - ub;
  return String(b.experiment.startTime ?? '').localeCompare(String(a.experiment.startTime ?? ''));
}

function summaryChips(items) {
  const counts = new Map();
  for (const item of items) {
    const key = item.error ? 'error' : f.decision(item.verdict).tone;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const labels = { rollback: 'to roll back', invalid: 'invalid', error: 'cannot be shown', ship: 'ready to ship', running: 'still running', inconclusive: 'inconclusive', none: 'without verdict' };
  return [...counts.entries()].sort((a, b) => Object.keys(labels).indexOf(a[0]) - Object.keys(labels).indexOf(b[0]))
    .map(([tone, n]) => h('span', { class: `chip decision-${tone}` }, `${n} ${labels[tone]}`));
}

function empty() {
  return h('div', { class: 'empty-state' },
    h('h2', null, 'No experiments yet'),
    h('p', null, 'Experiments appear here once the assignment service streams their definitions to this statistics service (Statistics:AssignmentAddress) and they are running.'));
}

function table(items) {
  return h('table', { class: 'experiments' },
    h('caption', { class: 'visually-hidden' }, 'Experiments and their current verdicts'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Experiment'),
      h('th', { scope: 'col' }, 'Decision'),
      h('th', { scope: 'col' }, 'Primary KPI'),
      h('th', { scope: 'col', class: 'num' }, 'Exposures'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'Age'))),
    h('tbody', null, items.map(row)));
}

function row({ experiment, verdict, error }) {
  if (error) return errorRow(experiment, error);
  const d = f.decision(verdict);
  const units = verdict?.horizon?.units;
  const srm = verdict?.sampleRatioCheck;
  const started = experiment.startTime ? f.ago(experiment.startTime) : '–';
  return h('tr', { 'data-experiment': experiment.id, 'data-decision': verdict?.decision ?? 'NONE', 'data-units': units ?? '' },
    h('th', { scope: 'row', 'data-label': 'Experiment' },
      h('a', { href: `/experiments/${encodeURIComponent(experiment.id)}`, class: 'experiment-link', 'data-focus': `exp-${experiment.id}` }, experiment.displayName || experiment.id),
      h('span', { class: 'sub' }, experiment.displayName ? `${experiment.id} · ` : '', `flag ${experiment.flagKey}`)),
    h('td', { 'data-label': 'Decision' }, h('span', { class: `decision-pill decision-${d.tone}` }, h('span', { 'aria-hidden': 'true', class: 'icon' }, d.icon), d.label)),
    h('td', { 'data-label': 'Primary KPI' }, primary(verdict, experiment)),
    h('td', { class: 'num', 'data-label': 'Exposures' },
      units === undefined ? '–' : f.count(units),
      srm && verdict && !srm.passed ? h('span', { class: 'srm-flag', title: `Sample ratio mismatch, p = ${f.pValue(srm.pValue)}` }, ' ⚠ SRM') : null),
    h('td', { 'data-label': 'Status' }, h('span', { class: `status status-${f.status(experiment.status).toLowerCase()}` }, f.status(experiment.status))),
    h('td', { 'data-label': 'Age', title: experiment.startTime ? f.dateTime(experiment.startTime) : '' }, started));
}

/** An experiment the service could not show: named and linked, with why, so the others still read as usual. */
function errorRow(experiment, error) {
  return h('tr', { 'data-experiment': experiment.id, 'data-decision': 'ERROR', class: 'row-error' },
    h('th', { scope: 'row', 'data-label': 'Experiment' },
      h('a', { href: `/experiments/${encodeURIComponent(experiment.id)}`, class: 'experiment-link', 'data-focus': `exp-${experiment.id}` }, experiment.displayName || experiment.id)),
    h('td', { colspan: 5, 'data-label': 'Error' }, h('span', { class: 'notice error', 'data-experiment-error': '' }, `Cannot show this experiment: ${error}`)));
}

/** The primary KPI's effect for the treatment the verdict rests on. */
function primary(verdict, experiment) {
  const kpi = verdict?.kpiResults?.find((k) => k.role === 'KPI_ROLE_PRIMARY');
  if (!kpi) return h('span', { class: 'muted' }, '–');
  const name = f.kpiName(kpi, experiment.kpis?.find((k) => k.key === kpi.kpiKey));
  const comparison = kpi.comparisons.find((c) => c.variantKey === verdict.winningVariantKey) ?? kpi.comparisons[0];
  if (!comparison) return h('span', { class: 'muted' }, name);
  const [label, tone] = f.kpiDecision(comparison.decision);
  return h('span', { class: 'primary-kpi', title: label },
    h('span', null, name),
    h('strong', { class: `effect tone-${tone}`, 'data-effect': comparison.relativeEffect }, f.pct(comparison.relativeEffect)));
}
