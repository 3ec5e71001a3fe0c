// Entry point: two pages, chosen by path — / (experiment list) and /experiments/{id}.

import { listPage } from './list.js';
import { experimentPage } from './experiment.js';

const main = document.getElementById('main');
const match = location.pathname.match(/^\/experiments\/([^/]+)\/?$/);
if (match) {
  experimentPage(main, decodeURIComponent(match[1]));
} else {
  listPage(main);
}
