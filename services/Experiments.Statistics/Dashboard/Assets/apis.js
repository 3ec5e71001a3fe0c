// KPIs grouped per API, with what each API is. Kpi.api_name follows RequestEvent.api_name (events.proto): inbound HTTP
// "POST /api/orders", inbound gRPC "trading.v1.TradingCore/PlaceOrder", outbound "broker POST /orders" (the dependency's
// name first), and a stream's measures under the stream's name plus "#first-message" or "#staleness" — grouped with the
// stream. KPIs without an API count every call the backend served, or its users (retention, engagement).

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT']);

export const MEASURES = {
  '#first-message': {
    label: 'time to first message',
    note: 'Time to first message (#first-message): from the start of the stream to its first message.',
  },
  '#staleness': {
    label: 'staleness',
    note: 'Staleness (#staleness): per message, the delay from its source time (e.g. a quote\'s exchange time) to its delivery.',
  },
};

/** The measure suffix of an API name ("#first-message", "#staleness") or "". */
export function measureOf(apiName) {
  return Object.keys(MEASURES).find((suffix) => (apiName ?? '').endsWith(suffix)) ?? '';
}

function keyOf(kpi) {
  if (kpi.apiName) return kpi.apiName.slice(0, kpi.apiName.length - measureOf(kpi.apiName).length);
  if (kpi.kind === 'KPI_KIND_RETENTION_DAY_N' || kpi.kind === 'KPI_KIND_ENGAGEMENT') return '@users';
  if (kpi.kind === 'KPI_KIND_CUSTOM_METRIC') return '@custom';
  return '@all-calls';
}

function describe(key, kpis) {
  switch (key) {
    case '@users':
      return { key, side: 'users', title: 'Users', what: 'Whether the randomized units come back and stay active (retention, engagement).' };
    case '@custom':
      return { key, side: 'custom', title: 'Custom metrics', what: 'Numbers the backend reports itself (custom metric events).' };
    case '@all-calls':
      return { key, side: 'all-calls', title: 'All calls', what: 'Every call the backend served, all its inbound APIs together (whole calls; dependency calls and stream measures excluded).' };
    default:
      break;
  }
  const space = key.indexOf(' ');
  let side = 'served';
  let kind = 'API';
  let what;
  if (space < 0) {
    what = key.includes('/') ? 'gRPC method served by the backend (inbound calls).' : 'API served by the backend (inbound calls).';
  } else if (HTTP_METHODS.has(key.slice(0, space))) {
    what = 'HTTP endpoint served by the backend (inbound requests).';
  } else {
    side = 'dependency';
    kind = 'Dependency call';
    const dependency = key.slice(0, space);
    const protocol = key.slice(space + 1).includes(' ') ? 'HTTP' : 'gRPC';
    what = `${protocol} call the backend makes to its dependency “${dependency}” while serving a unit (outbound).`;
  }
  const measures = new Set(kpis.map((k) => measureOf(k.apiName)));
  const notes = [...measures].filter((m) => m).map((m) => MEASURES[m].note);
  if (notes.length && measures.has('')) notes.push('The other KPIs measure whole calls, from their start until their status (for a stream: until it ended).');
  return { key, side, kind, title: key, what, notes };
}

/** The KPI results grouped per API, in the order of each group's first KPI (the experiment's order). */
export function apiGroups(kpiResults) {
  const groups = new Map();
  for (const kpi of kpiResults ?? []) {
    const key = keyOf(kpi);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(kpi);
  }
  return [...groups.entries()].map(([key, kpis]) => ({ ...describe(key, kpis), kpis }));
}
