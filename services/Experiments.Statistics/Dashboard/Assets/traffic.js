// The traffic page: how each client uses the API, from ingestion's TrafficReport (GetTrafficReport) — clients first
// whose share of the slowest calls most exceeds their share of calls, then, for the selected client, its endpoints,
// rate over time, typical next calls, payload and header shapes, and where it departs from the declared intended usage.
// Every figure is a field of the report; the page orders and formats, it computes none of its own.

import { h, replace } from './dom.js';
import * as f from './format.js';
import * as chart from './charts.js';
import { getJson } from './live.js';

const RANGES = [['15m', 'Last 15 minutes'], ['1h', 'Last hour'], ['24h', 'Last 24 hours']];

const DEPARTURES = {
  USAGE_DEPARTURE_KIND_RATE_EXCEEDED: ['Rate limit exceeded', 'More calls in a minute than the endpoint allows one client.'],
  USAGE_DEPARTURE_KIND_OUT_OF_ORDER: ['Out of order', 'Called without the calls that should come before it in the same unit.'],
  USAGE_DEPARTURE_KIND_DEPRECATED: ['Deprecated endpoint', 'Still calls an endpoint clients should move off.'],
  USAGE_DEPARTURE_KIND_UNDECLARED: ['Undeclared endpoint', 'Calls an endpoint the intended usage does not list.'],
};

export function departureLabel(kind) {
  return (DEPARTURES[kind] ?? ['Departure', ''])[0];
}

export async function trafficPage(main) {
  document.title = 'Traffic · Experiments';
  const query = new URLSearchParams(location.search);
  const state = {
    service: query.get('service') ?? '',
    since: query.get('since') || '1h',
    client: query.get('client'),
    report: null,
    note: null,
    error: null,
    loading: true,
  };
  const sections = {
    filter: h('div', { class: 'traffic-filter' }),
    summary: h('p', { class: 'traffic-summary', 'aria-live': 'polite' }),
    clients: h('section', { id: 'clients', class: 'panel', 'aria-labelledby': 'clients-title' }),
    client: h('section', { id: 'client', class: 'panel', 'aria-labelledby': 'client-title', 'aria-live': 'polite' }),
    endpoints: h('section', { id: 'endpoints', class: 'panel', 'aria-labelledby': 'endpoints-title' }),
  };
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, 'Traffic'),
      h('p', { class: 'lead' }, 'How each client uses the API, from the traffic the backends\' SDKs recorded. Clients come first whose share of the slowest calls most exceeds their share of calls: the few whose way of calling degrades performance.')),
    sections.filter, sections.summary, sections.clients, sections.client, sections.endpoints);

  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    state.loading = true;
    render();
    const params = new URLSearchParams({ since: state.since });
    if (state.service) params.set('service', state.service);
    try {
      const result = await getJson(`/api/traffic?${params}`);
      if (mine !== generation) return;
      state.report = result.report;
      state.note = result.note;
      state.error = null;
    } catch (error) {
      if (mine !== generation) return;
      state.report = null;
      state.note = null;
      state.error = error.message;
    }
    state.loading = false;
    const clients = state.report?.clients ?? [];
    if (!clients.some((c) => c.clientId === state.client)) state.client = clients[0]?.clientId ?? null;
    remember();
    render();
    const indicator = document.getElementById('live');
    indicator.dataset.state = state.report ? 'static' : 'offline';
    indicator.textContent = state.report ? `Updated ${f.time(new Date().toISOString())} UTC` : 'No report';
  };
  const remember = () => {
    const params = new URLSearchParams();
    if (state.service) params.set('service', state.service);
    params.set('since', state.since);
    if (state.client) params.set('client', state.client);
    history.replaceState(null, '', `/traffic?${params}`);
  };
  const render = () => {
    renderFilter(sections.filter, state, { load, render });
    renderSummary(sections.summary, state);
    renderClients(sections.clients, state, () => {
      remember();
      render();
    });
    renderClient(sections.client, state);
    renderEndpoints(sections.endpoints, state);
    main.dataset.loading = String(state.loading);
  };

  let width = main.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(main.clientWidth - width) > 8) {
      width = main.clientWidth;
      renderClient(sections.client, state);
    }
  }).observe(main);
  await load();
}

// --- Filter: service and time range ------------------------------------------------------------------------------

function renderFilter(container, state, { load }) {
  const input = h('input', { id: 'traffic-service', name: 'service', type: 'text', value: state.service, placeholder: 'every service', autocomplete: 'off', spellcheck: 'false' });
  replace(container,
    h('form', {
      class: 'service-form', role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        state.service = input.value.trim();
        load();
      },
    },
    h('label', { for: 'traffic-service' }, 'Service'),
    input,
    h('button', { type: 'submit', class: 'toggle' }, 'Show')),
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'Time range' }, RANGES.map(([value, label]) => h('button', {
      type: 'button', class: 'tab', 'aria-pressed': String(state.since === value), 'data-range': value, 'data-focus': `range-${value}`, title: label,
      onclick: () => {
        state.since = value;
        load();
      },
    }, value))),
    h('button', { type: 'button', class: 'toggle', 'data-focus': 'refresh', onclick: () => load() }, 'Refresh'));
}

function renderSummary(container, { report, loading, service }) {
  if (!report) {
    replace(container, loading ? 'Loading…' : '');
    return;
  }
  const usage = report.intendedUsage;
  const declared = usage?.endpoints?.length ? `intended usage of ${usage.serviceName || 'the service'} declared for ${usage.endpoints.length} endpoint${usage.endpoints.length === 1 ? '' : 's'}` : 'no intended usage declared';
  replace(container,
    h('strong', { 'data-exchanges': report.exchangeCount }, `${f.count(report.exchangeCount)} calls`),
    ` from ${(report.clients ?? []).length} client${(report.clients ?? []).length === 1 ? '' : 's'}`,
    service ? ` of ${service}` : '',
    report.startTime ? `, ${f.dateTime(report.startTime)} to ${f.dateTime(report.endTime)}` : '',
    ` · ${declared}.`);
}

// --- Clients -----------------------------------------------------------------------------------------------------

function renderClients(container, state, select) {
  const title = h('h2', { id: 'clients-title' }, 'Clients');
  if (state.error) {
    replace(container, title, h('p', { class: 'notice error', role: 'alert', 'data-traffic-error': '' }, `Could not load the traffic report: ${state.error}`));
    return;
  }
  if (!state.report) {
    replace(container, title, state.note ? h('p', { class: 'notice', 'data-traffic-note': '' }, state.note) : h('p', { class: 'muted' }, 'Loading…'));
    return;
  }
  const clients = state.report.clients ?? [];
  if (!clients.length) {
    replace(container, title, h('p', { class: 'muted', 'data-traffic-empty': '' }, 'No captured calls in this range. Captures appear once a backend\'s SDK records traffic (Experiments:Capture) and sends it to ingestion.'));
    return;
  }
  replace(container,
    h('div', { class: 'panel-head' },
      title,
      h('p', { class: 'panel-note' }, 'In the report\'s order: clients whose share of the slowest calls (at or above their API\'s 99th percentile) most exceeds their share of all calls come first. Select a client to see how it calls.')),
    h('div', { class: 'legend' },
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch share-calls' }), 'share of calls'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch share-slowest' }), 'share of the slowest calls')),
    h('div', { class: 'table-scroll' }, h('table', { class: 'traffic-clients' },
      h('caption', { class: 'visually-hidden' }, 'Clients, their share of calls and of the slowest calls, error share and departures from intended usage'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Client'),
        h('th', { scope: 'col', class: 'num' }, 'Calls'),
        h('th', { scope: 'col', class: 'num' }, 'Units'),
        h('th', { scope: 'col' }, 'Calls vs slowest calls'),
        h('th', { scope: 'col', class: 'num' }, 'Errors'),
        h('th', { scope: 'col' }, 'Departures'))),
      h('tbody', null, clients.map((client) => clientRow(client, state, select))))));
}

function clientRow(client, state, select) {
  const selected = client.clientId === state.client;
  const departures = client.departures ?? [];
  return h('tr', {
    class: selected ? 'selected' : null, 'data-client': client.clientId, 'data-call-share': client.callShare,
    'data-slowest-share': client.slowestShare, 'data-error-share': client.errorShare, 'data-departures': departures.length,
  },
  h('th', { scope: 'row' }, h('button', {
    type: 'button', class: 'client-button', 'aria-pressed': String(selected), 'data-focus': `client-${client.clientId}`,
    onclick: () => {
      state.client = client.clientId;
      select();
    },
  }, client.clientId || '(unknown client)')),
  h('td', { class: 'num', 'data-field': 'calls' }, f.count(client.callCount)),
  h('td', { class: 'num', 'data-field': 'units' }, f.count(client.unitCount)),
  h('td', null, h('div', { class: 'share-pair' },
    shareBar(client.callShare, 'calls', `${f.share(client.callShare)} of calls`, 'call-share'),
    shareBar(client.slowestShare, 'slowest', `${f.share(client.slowestShare)} of the slowest calls`, 'slowest-share'))),
  h('td', { class: `num${f.num(client.errorShare) > 0 ? ' tone-bad-text' : ''}`, 'data-field': 'error-share' }, f.share(client.errorShare)),
  h('td', { 'data-field': 'departures' }, departures.length
    ? h('span', { class: 'departure-flag', title: departures.map((d) => `${departureLabel(d.kind)}: ${d.apiName}`).join('\n') }, `⚠ ${departures.length} departure${departures.length === 1 ? '' : 's'}`)
    : h('span', { class: 'muted' }, '–')));
}

function shareBar(value, kind, label, field) {
  const bar = chart.bar(f.num(value), kind === 'calls' ? 'neutral' : 'bad', label);
  return h('span', { class: `share-line share-${kind}` }, bar, h('span', { class: 'share-value', 'data-field': field }, f.share(value)));
}

// --- The selected client -----------------------------------------------------------------------------------------

function renderClient(container, state) {
  const client = (state.report?.clients ?? []).find((c) => c.clientId === state.client);
  if (!client) {
    container.hidden = true;
    replace(container);
    return;
  }
  container.hidden = false;
  container.dataset.client = client.clientId;
  const report = state.report;
  const plot = h('div', { class: 'chart-box rate-box' });
  replace(container,
    h('div', { class: 'panel-head' },
      h('h2', { id: 'client-title' }, 'Client ', h('code', null, client.clientId || '(unknown client)')),
      h('p', { class: 'panel-note' },
        `${f.count(client.callCount)} calls from ${f.count(client.unitCount)} units · ${f.share(client.callShare)} of all calls, ${f.share(client.slowestShare)} of the slowest · ${f.share(client.errorShare)} of its calls failed.`)),
    departuresBlock(client, report),
    h('h3', null, 'Endpoints it calls'),
    endpointsTable(client.endpoints ?? [], 'client-endpoints', 'Share of its calls'),
    h('h3', null, 'Calls over time'),
    plot,
    h('h3', null, 'What it calls next'),
    transitionsTable(client.transitions ?? []),
    h('h3', null, 'Payload and header shapes'),
    shapesBlock(client.shapes ?? []));
  const width = Math.max(280, plot.clientWidth || container.clientWidth - 40);
  plot.append(chart.rateChart(client.rate ?? [], { width, bucketSeconds: f.num(report.bucketSeconds) }));
}

function departuresBlock(client, report) {
  const departures = client.departures ?? [];
  const declared = (report.intendedUsage?.endpoints ?? []).length > 0;
  const head = h('h3', null, 'Departures from intended usage');
  if (!departures.length) {
    return h('div', { class: 'departures' }, head, h('p', { class: 'muted', 'data-departures-none': '' },
      declared ? 'None: this client calls as intended.' : 'No intended usage is declared for this service, so there is nothing to compare with (SetIntendedUsage).'));
  }
  return h('div', { class: 'departures' }, head,
    h('ul', { class: 'departure-list' }, departures.map((d) => {
      const [label, what] = DEPARTURES[d.kind] ?? ['Departure', ''];
      return h('li', { 'data-kind': d.kind, 'data-api': d.apiName, 'data-count': d.count },
        h('div', { class: 'departure-head' },
          h('strong', { class: 'departure-kind' }, label),
          h('code', null, d.apiName),
          h('span', { class: 'departure-count' }, `${f.count(d.count)} call${f.num(d.count) === 1 ? '' : 's'}`)),
        d.detail ? h('p', { class: 'departure-detail' }, d.detail) : null,
        what ? h('p', { class: 'fact-detail' }, what) : null);
    })));
}

function endpointsTable(endpoints, kind, shareLabel) {
  if (!endpoints.length) return h('p', { class: 'muted' }, 'No calls.');
  const overall = kind === 'all-endpoints';
  return h('div', { class: 'table-scroll' }, h('table', { class: `traffic-endpoints ${kind}` },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'API'),
      h('th', { scope: 'col', class: 'num' }, 'Calls'),
      h('th', { scope: 'col' }, shareLabel),
      h('th', { scope: 'col', class: 'num' }, 'Errors'),
      h('th', { scope: 'col', class: 'num' }, 'p50'),
      h('th', { scope: 'col', class: 'num' }, 'p99'),
      overall ? h('th', { scope: 'col', class: 'num' }, 'Slowest from') : null,
      h('th', { scope: 'col', class: 'num' }, 'Slowest calls'))),
    h('tbody', null, endpoints.map((e) => h('tr', { 'data-api': e.apiName },
      h('th', { scope: 'row' }, h('code', null, e.apiName)),
      h('td', { class: 'num', 'data-field': 'calls' }, f.count(e.callCount)),
      h('td', { class: 'share-cell' }, chart.bar(f.num(e.share), 'info', `${f.share(e.share)} of calls`), h('span', { 'data-field': 'share' }, f.share(e.share))),
      h('td', { class: `num${f.num(e.errorCount) > 0 ? ' tone-bad-text' : ''}`, 'data-field': 'errors' }, f.count(e.errorCount)),
      h('td', { class: 'num', 'data-field': 'p50' }, f.ms(e.p50LatencyMs)),
      h('td', { class: 'num', 'data-field': 'p99' }, f.ms(e.p99LatencyMs)),
      overall ? h('td', { class: 'num', 'data-field': 'slow-threshold' }, f.ms(e.slowThresholdMs)) : null,
      h('td', { class: 'num', 'data-field': 'slow' }, f.count(e.slowCount)))))));
}

function transitionsTable(transitions) {
  if (!transitions.length) return h('p', { class: 'muted' }, 'No call sequences recorded (calls carry no unit id).');
  return h('div', { class: 'table-scroll' }, h('table', { class: 'traffic-transitions' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'After'),
      h('th', { scope: 'col' }, 'Most common next call'),
      h('th', { scope: 'col', class: 'num' }, 'Times'),
      h('th', { scope: 'col', class: 'num' }, 'Share'))),
    h('tbody', null, transitions.map((t) => h('tr', { 'data-from': t.fromApiName, 'data-to': t.toApiName },
      h('th', { scope: 'row' }, h('code', null, t.fromApiName)),
      h('td', null, t.toApiName ? h('code', null, t.toApiName) : h('span', { class: 'muted' }, 'nothing: the sequence ends')),
      h('td', { class: 'num', 'data-field': 'count' }, f.count(t.count)),
      h('td', { class: 'num', 'data-field': 'share' }, f.share(t.share)))))));
}

function shapesBlock(shapes) {
  if (!shapes.length) return h('p', { class: 'muted' }, 'No payloads recorded.');
  return h('div', { class: 'shapes' }, shapes.map((shape) => h('div', { class: 'shape', 'data-api': shape.apiName },
    h('h4', null, h('code', null, shape.apiName)),
    h('dl', { class: 'pairs' },
      h('div', null, h('dt', null, 'Request size'), h('dd', { 'data-field': 'request-bytes' }, `${f.bytes(shape.requestBytesP50)} typical, ${f.bytes(shape.requestBytesMax)} at most`)),
      h('div', null, h('dt', null, 'Response size'), h('dd', { 'data-field': 'response-bytes' }, `${f.bytes(shape.responseBytesP50)} typical, ${f.bytes(shape.responseBytesMax)} at most`))),
    presence('Request fields', shape.requestFields ?? [], 'fields'),
    presence('Headers', shape.headers ?? [], 'headers'))));
}

function presence(title, items, kind) {
  if (!items.length) return null;
  return h('div', { class: 'presence' },
    h('h5', null, title),
    h('ul', { class: `presence-list presence-${kind}` }, items.map((item) => h('li', { 'data-name': item.name, 'data-share': item.share },
      h('code', null, item.name), h('span', { class: 'presence-share' }, f.share(item.share, 0))))));
}

// --- Every endpoint, all clients ---------------------------------------------------------------------------------

function renderEndpoints(container, state) {
  const endpoints = state.report?.endpoints ?? [];
  if (!state.report || !endpoints.length) {
    container.hidden = true;
    replace(container);
    return;
  }
  container.hidden = false;
  replace(container,
    h('div', { class: 'panel-head' },
      h('h2', { id: 'endpoints-title' }, 'Every endpoint, all clients'),
      h('p', { class: 'panel-note' }, 'A call counts among the slowest when it takes at least its API\'s 99th percentile over all clients ("Slowest from").')),
    endpointsTable(endpoints, 'all-endpoints', 'Share of all calls'));
}
