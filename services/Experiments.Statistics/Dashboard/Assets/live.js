// Live updates: Server-Sent Events from /api/live, fed by the statistics service's verdict cache. The browser
// reconnects by itself; the indicator in the top bar says whether the page is live.

import * as f from './format.js';

/**
 * Follows `url`'s verdict events while the tab is visible. A hidden tab lets its connection go (browsers allow six
 * HTTP/1.1 connections per host, so background tabs must not hold them); when it shows again, `onResume` reloads
 * what was missed and the stream resumes.
 */
export function connect(url, onVerdict, onResume) {
  const indicator = document.getElementById('live');
  const show = (state, text) => {
    indicator.dataset.state = state;
    indicator.textContent = text;
  };
  let source = null;
  const open = () => {
    source = new EventSource(url);
    source.addEventListener('open', () => show('live', 'Live'));
    source.addEventListener('error', () => show('offline', 'Reconnecting…'));
    source.addEventListener('verdict', (event) => {
      const verdict = JSON.parse(event.data);
      show('live', `Live · updated ${f.time(verdict.computeTime)} UTC`);
      onVerdict(verdict);
    });
  };
  document.addEventListener('visibilitychange', async () => {
    if (document.hidden) {
      source?.close();
      source = null;
      show('paused', 'Paused');
    } else if (!source) {
      open();
      await onResume?.();
    }
  });
  window.addEventListener('pagehide', () => source?.close());
  // Only after the load event: an endless response must never keep the page "loading".
  if (document.readyState === 'complete') open();
  else window.addEventListener('load', open, { once: true });
}

/** GET a JSON resource; throws with the server's message on failure. */
export async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    // The session ended (expired, or its key was revoked): sign in again and come back here.
    location.assign(`/signin?ReturnUrl=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!response.ok) {
    const error = new Error(body.error ?? `${url} answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}
