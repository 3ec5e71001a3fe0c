// Entry point: two pages, chosen by path — / (experiment list) and /experiments/{id}.

import { listPage } from './list.js';
import { experimentPage } from './experiment.js';
import { getJson } from './live.js';

const main = document.getElementById('main');
const match = location.pathname.match(/^\/experiments\/([^/]+)\/?$/);
if (match) {
  experimentPage(main, decodeURIComponent(match[1]));
} else {
  listPage(main);
}

// Who is signed in, where the dashboard asks for it (beyond loopback): the top bar names them and offers to sign out.
getJson('/api/session').then((session) => {
  if (session.signInRequired && session.name) {
    document.getElementById('session-name').textContent = session.name;
    document.getElementById('session').hidden = false;
  }
}).catch(() => {});
