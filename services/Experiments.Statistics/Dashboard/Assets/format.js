// Formatting and labels. Values arrive as the protobuf JSON mapping of the gRPC messages: int64 as strings,
// enums as names, non-finite doubles as "Infinity"/"-Infinity"/"NaN", durations as "12.5s".

const MINUS = '\u2212';

/** A protobuf JSON number (number or string, possibly "Infinity") as a JS number. */
export function num(value) {
  if (value === undefined || value === null || value === '') return NaN;
  return typeof value === 'number' ? value : Number(value);
}

function signed(text, value) {
  if (value > 0) return '+' + text;
  if (value < 0) return MINUS + text.replace('-', '');
  return text;
}

/** 1234567 → "1,234,567". */
export function count(value) {
  const n = num(value);
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** A relative change, -0.123 → "−12.3%". */
export function pct(value, digits) {
  const n = num(value);
  if (n === Infinity) return '+∞';
  if (n === -Infinity) return MINUS + '∞';
  if (!Number.isFinite(n)) return '–';
  const x = n * 100;
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  const text = Math.abs(x).toFixed(d) + '%';
  return Number(text.slice(0, -1)) === 0 ? '0%' : signed(text, x);
}

/** A share in [0, 1] without sign, 0.5012 → "50.1%". */
export function share(value, digits = 1) {
  const n = num(value);
  return Number.isFinite(n) ? (n * 100).toFixed(digits) + '%' : '–';
}

/** An interval of relative changes, "[−15.1%, −9.6%]". */
export function pctInterval(ci) {
  if (!ci) return '–';
  return `[${pct(ci.lower)}, ${pct(ci.upper)}]`;
}

/** Milliseconds, 41.234 → "41.2 ms", 1234 → "1.23 s". */
export function ms(value) {
  const n = num(value);
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return (n / 1000).toPrecision(3) + ' s';
  if (Math.abs(n) >= 100) return n.toFixed(0) + ' ms';
  if (Math.abs(n) >= 10) return n.toFixed(1) + ' ms';
  return n.toFixed(2) + ' ms';
}

/** A p-value, "0.031", "2.1e-6". */
export function pValue(value) {
  const n = num(value);
  if (!Number.isFinite(n)) return '–';
  if (n >= 0.001) return n.toFixed(n >= 0.1 ? 2 : 3);
  if (n === 0) return '< 1e-300';
  return n.toExponential(1).replace('e-', 'e\u2212');
}

/** A KPI value in its natural unit. */
export function kpiValue(kind, value) {
  const n = num(value);
  switch (kind) {
    case 'KPI_KIND_LATENCY_MEAN':
    case 'KPI_KIND_LATENCY_P50':
    case 'KPI_KIND_LATENCY_P95':
    case 'KPI_KIND_LATENCY_P99':
      return ms(n);
    case 'KPI_KIND_ERROR_RATE':
    case 'KPI_KIND_AVAILABILITY':
    case 'KPI_KIND_RETENTION_DAY_N':
      return Number.isFinite(n) ? (n * 100).toFixed(n < 0.1 ? 2 : 1) + '%' : '–';
    default:
      return Number.isFinite(n) ? n.toPrecision(4) : '–';
  }
}

/** Seconds from a protobuf Duration string ("3600s", "0.250s"). */
export function seconds(duration) {
  if (!duration) return NaN;
  return parseFloat(String(duration));
}

/** 93784 s → "1 d 2 h". */
export function span(totalSeconds) {
  const s = num(totalSeconds);
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${Math.max(0, Math.round(s))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h`;
}

/** "5 min ago" for a timestamp string. */
export function ago(timestamp, now = Date.now()) {
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '–';
  const s = (now - t) / 1000;
  return s < 5 ? 'just now' : `${span(s)} ago`;
}

/** "2026-01-05 14:03:12 UTC". */
export function dateTime(timestamp) {
  const t = new Date(timestamp);
  if (Number.isNaN(t.getTime())) return '–';
  return t.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace('Z', ' UTC');
}

export function time(timestamp) {
  const t = new Date(timestamp);
  return Number.isNaN(t.getTime()) ? '–' : t.toISOString().slice(11, 19);
}

const KINDS = {
  KPI_KIND_LATENCY_MEAN: 'Mean latency',
  KPI_KIND_LATENCY_P50: 'p50 latency',
  KPI_KIND_LATENCY_P95: 'p95 latency',
  KPI_KIND_LATENCY_P99: 'p99 latency',
  KPI_KIND_ERROR_RATE: 'Error rate',
  KPI_KIND_AVAILABILITY: 'Availability',
  KPI_KIND_RETENTION_DAY_N: 'Retention',
  KPI_KIND_ENGAGEMENT: 'Engagement',
  KPI_KIND_CUSTOM_METRIC: 'Custom metric',
};

export function kindLabel(kind) {
  return KINDS[kind] ?? 'KPI';
}

export function isLatency(kind) {
  return typeof kind === 'string' && kind.startsWith('KPI_KIND_LATENCY_');
}

/** A KPI's name as a person reads it: the definition's display name, else kind and API. */
export function kpiName(result, definition) {
  if (definition?.displayName) return definition.displayName;
  const kind = kindLabel(result.kind);
  if (result.kind === 'KPI_KIND_RETENTION_DAY_N' && definition?.retentionDay) return `Day-${definition.retentionDay} retention`;
  if (result.kind === 'KPI_KIND_CUSTOM_METRIC' && definition?.metricName) return definition.metricName;
  return result.apiName ? `${kind} · ${result.apiName}` : kind;
}

export const ROLES = {
  KPI_ROLE_PRIMARY: 'Primary',
  KPI_ROLE_GUARDRAIL: 'Guardrail',
  KPI_ROLE_SECONDARY: 'Secondary',
};

export function directionLabel(direction) {
  return direction === 'DESIRED_DIRECTION_INCREASE' ? 'higher is better' : 'lower is better';
}

const KPI_DECISIONS = {
  KPI_DECISION_BETTER: ['Better', 'good'],
  KPI_DECISION_WORSE: ['Worse', 'bad'],
  KPI_DECISION_WORSE_WITHIN_TOLERANCE: ['Worse, within tolerance', 'warn'],
  KPI_DECISION_NO_SIGNIFICANT_DIFFERENCE: ['No significant difference', 'neutral'],
  KPI_DECISION_EQUIVALENT: ['Equivalent (within ±MDE)', 'neutral'],
  KPI_DECISION_INSUFFICIENT_DATA: ['Not enough data', 'neutral'],
  KPI_DECISION_NOT_EVALUATED: ['Not evaluated', 'neutral'],
};

/** [label, tone] of a KPI decision; tone is good, bad, warn or neutral. */
export function kpiDecision(decision) {
  return KPI_DECISIONS[decision] ?? ['Pending', 'neutral'];
}

const DECISIONS = {
  VERDICT_DECISION_SHIP: { label: 'Ship', tone: 'ship', icon: '✓' },
  VERDICT_DECISION_ROLL_BACK: { label: 'Roll back', tone: 'rollback', icon: '✕' },
  VERDICT_DECISION_KEEP_RUNNING: { label: 'Keep running', tone: 'running', icon: '…' },
  VERDICT_DECISION_INCONCLUSIVE: { label: 'Inconclusive', tone: 'inconclusive', icon: '=' },
  VERDICT_DECISION_INVALID: { label: 'Invalid', tone: 'invalid', icon: '!' },
};

/** Label, tone and icon of a verdict's decision; "Ship fast-engine" names the winner. */
export function decision(verdict) {
  if (!verdict) return { label: 'No verdict yet', tone: 'none', icon: '·' };
  const d = DECISIONS[verdict.decision] ?? { label: 'No verdict yet', tone: 'none', icon: '·' };
  if (verdict.decision === 'VERDICT_DECISION_SHIP' && verdict.winningVariantKey) {
    return { ...d, label: `Ship ${verdict.winningVariantKey}` };
  }
  return d;
}

/**
 * The variant every unit gets once an automatic rollback ramped the experiment to 0%, or null when it has not:
 * the verdict that triggered it says so, and later verdicts find the experiment still running at 0% with
 * auto-rollback on.
 */
export function autoRolledBackTo(verdict, experiment) {
  const rolledBack = verdict?.autoRollbackTriggered
    || (verdict?.decision === 'VERDICT_DECISION_ROLL_BACK' && experiment?.autoRollback
      && experiment?.status === 'EXPERIMENT_STATUS_RUNNING' && experiment?.rolloutPercent === 0);
  if (!rolledBack) return null;
  return experiment?.defaultVariantKey || verdict?.controlVariantKey || 'the control';
}

/** One sentence under the decision: what it means for the reader. */
export function decisionMeaning(verdict, experiment) {
  switch (verdict?.decision) {
    case 'VERDICT_DECISION_SHIP':
      return `${verdict.winningVariantKey || 'The treatment'} is significantly better on the primary KPI and no guardrail is harmed. Safe to roll out.`;
    case 'VERDICT_DECISION_ROLL_BACK':
      return autoRolledBackTo(verdict, experiment)
        ? 'A guardrail got significantly worse than its tolerance. The experiment was rolled back automatically.'
        : 'A guardrail got significantly worse than its tolerance. Roll the flag back to the control.';
    case 'VERDICT_DECISION_KEEP_RUNNING':
      return 'No conclusion yet. These results stay valid however often you look (always-valid inference): keep collecting data.';
    case 'VERDICT_DECISION_INCONCLUSIVE':
      return 'The planned horizon is reached and any effect is smaller than the minimum detectable effect. Shipping either variant makes no measurable difference.';
    case 'VERDICT_DECISION_INVALID':
      return 'The data cannot be trusted, e.g. units are not split as configured (sample ratio mismatch). Do not act on these numbers; find the cause.';
    default:
      return 'The statistics service has not computed a verdict for this experiment yet.';
  }
}

const STATUSES = {
  EXPERIMENT_STATUS_DRAFT: 'Draft',
  EXPERIMENT_STATUS_RUNNING: 'Running',
  EXPERIMENT_STATUS_STOPPED: 'Stopped',
  EXPERIMENT_STATUS_ARCHIVED: 'Archived',
};

export function status(value) {
  return STATUSES[value] ?? 'Unknown';
}

const UNITS = {
  RANDOMIZATION_UNIT_USER: 'users',
  RANDOMIZATION_UNIT_SESSION: 'sessions',
  RANDOMIZATION_UNIT_REQUEST: 'requests',
};

export function unitName(value) {
  return UNITS[value] ?? 'units';
}

const ACTIONS = {
  AUDIT_ACTION_CREATE: 'Created',
  AUDIT_ACTION_UPDATE: 'Updated',
  AUDIT_ACTION_START: 'Started',
  AUDIT_ACTION_STOP: 'Stopped',
  AUDIT_ACTION_RAMP: 'Ramped',
  AUDIT_ACTION_ARCHIVE: 'Archived',
};

export function action(value) {
  return ACTIONS[value] ?? 'Changed';
}

/** Bytes, 512 → "512 B", 1536 → "1.5 KB", 3_500_000 → "3.3 MB" (binary multiples). */
export function bytes(value) {
  const n = num(value);
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
