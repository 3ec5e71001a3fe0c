// Entry point: three pages, chosen by path — / (experiment list), /experiments/{id} and /traffic.

import { listPage } from './list.js';
import { experimentPage } from './experiment.js';
import { trafficPage } from './traffic.js';
import { getJson } from './live.js';

const main = document.getElementById('main');
const match = location.pathname.match(/^\/experiments\/([^/]+)\/?$/);
const traffic = /^\/traffic\/?$/.test(location.pathname);
if (match) {
  experimentPage(main, decodeURIComponent(match[1]));
} else if (traffic) {
  trafficPage(main);
} else {
  listPage(main);
}
for (const link of document.querySelectorAll('.topnav a')) {
  if ((link.dataset.page === 'traffic') === traffic) link.setAttribute('aria-current', 'page');
}

// Who is signed in, where the dashboard asks for it (beyond loopback): the top bar names them and offers to sign out.
getJson('/api/session').then((session) => {
  if (session.signInRequired && session.name) {
    document.getElementById('session-name').textContent = session.name;
    document.getElementById('session').hidden = false;
  }
}).catch(() => {});
