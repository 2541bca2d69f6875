// Pulse live dashboard: polls the read API and redraws. No framework; Chart.js for the charts.
'use strict';

const REFRESH_MS = 1000;
// The dead-letter read scans a topic: every few seconds is plenty for a per-minute chart.
const DEAD_LETTER_REFRESH_MS = 3000;
// Before the endpoint exists on a server (404), ask again only now and then.
const DEAD_LETTER_ABSENT_RETRY_MS = 30000;
const RATE_POINTS = 60;
const MAX_DEVICES = 20;
const COLORS = ['#4e9af1', '#ff6b5b', '#4cc38a', '#f5b942', '#b07cf7', '#3fc7d9', '#f78fb3', '#c9d65f',
  '#ff9f6b', '#8fa8ff'];
const TEXT = '#e6e9ec';
const MUTED = '#8a96a3';
const GRID = '#26313d';

const state = {
  lastCounts: null, lastCountsAt: 0,
  devices: new Map(),          // device id -> its latest answer, kept while a read fails
  deadLettersDueAt: 0,
  refreshes: 0
};

function text(value) {
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

function fixed(value, digits = 1) {
  return typeof value === 'number' ? value.toFixed(digits) : text(value);
}

// Large counts and sums in a narrow column: 12.3M, with the exact figure in the cell's title.
const COMPACT = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

function big(value, digits = 0) {
  if (typeof value !== 'number') {
    return text(value);
  }
  const exact = value.toFixed(digits);
  return Math.abs(value) < 100000 ? exact : { text: COMPACT.format(value), title: exact };
}

// A chart's axis label is a hint; the table beside it has the full name.
function shortLabel(label, max = 14) {
  const full = String(label);
  return full.length <= max ? full : full.slice(0, max - 1) + '…';
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const MINUTE = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });

// Pulse writes epoch seconds; a whole number of 10^11 or more is milliseconds (the contract's rule).
function toMillis(epoch) {
  return epoch >= 1e11 ? epoch : epoch * 1000;
}

function clock(epoch) {
  return typeof epoch === 'number' ? TIME.format(new Date(toMillis(epoch))) : '—';
}

// Each cell takes the class of its column's <th> ("num", "key"); a "key" cell may be cut with an
// ellipsis, so it carries its full text as a title.
function fillTable(id, rows) {
  const body = document.getElementById(id);
  const columns = [...body.closest('table').querySelectorAll('thead th')].map(th => th.className);
  body.replaceChildren(...rows.map(cells => {
    const tr = document.createElement('tr');
    cells.forEach((cell, i) => {
      const td = document.createElement('td');
      const content = cell && typeof cell === 'object' ? cell : { text: text(cell) };
      td.textContent = content.text;
      td.className = [columns[i] || '', content.className || ''].join(' ').trim();
      if (content.title || td.classList.contains('key')) {
        td.title = content.title || content.text;
      }
      tr.appendChild(td);
    });
    return tr;
  }));
  const empty = document.getElementById(id.replace(/-body$/, '-empty'));
  if (empty) {
    empty.hidden = rows.length > 0;
  }
}

// The key columns of each table share the width the other columns leave: equally, or by their
// data-share.
for (const table of document.querySelectorAll('table')) {
  const keys = [...table.querySelectorAll('thead th.key')];
  const share = th => Number(th.dataset.share || 1);
  const shares = keys.reduce((sum, th) => sum + share(th), 0);
  keys.forEach(th => { th.style.width = (100 * share(th) / shares) + '%'; });
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(path + ' answered ' + response.status);
  }
  return response.json();
}

// A panel whose endpoint fails keeps its last figures; the others go on.
async function panel(path, draw) {
  try {
    draw(await getJson(path));
  } catch (e) {
    console.debug('panel skipped:', e.message);
  }
}

function chartOptions(extra = {}) {
  return {
    animation: false, responsive: true, maintainAspectRatio: false,
    scales: {
      x: { ticks: { color: MUTED, maxTicksLimit: 8, autoSkip: true, maxRotation: 0,
        callback(value) { return shortLabel(this.getLabelForValue(value)); } },
        grid: { color: GRID }, stacked: !!extra.stacked },
      y: { beginAtZero: true, ticks: { color: MUTED }, grid: { color: GRID }, stacked: !!extra.stacked }
    },
    plugins: { legend: { labels: { color: TEXT, boxWidth: 12 } } }
  };
}

// A line needs two points; until there are two, the one there is drawn as a dot.
const ratePointRadius = ctx => ctx.chart.data.labels.length < 2 ? 3 : 0;

const ratesChart = new Chart(document.getElementById('rates-chart'), {
  type: 'line',
  data: { labels: [], datasets: [{ label: 'total', data: [], borderColor: TEXT, backgroundColor: TEXT, borderWidth: 2,
    pointRadius: ratePointRadius, tension: 0.2 }] },
  options: chartOptions()
});

const devicesChart = new Chart(document.getElementById('devices-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [
    { label: '°C now', data: [], backgroundColor: '#ff6b5b', maxBarThickness: 32 },
    { label: '5-min average', data: [], backgroundColor: '#4e9af1', maxBarThickness: 32 }] },
  options: chartOptions()
});

const categoriesChart = new Chart(document.getElementById('categories-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [{ label: 'average', data: [], backgroundColor: '#4cc38a', maxBarThickness: 48 }] },
  options: chartOptions()
});

const deadLettersChart = new Chart(document.getElementById('dead-letters-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [] },
  options: chartOptions({ stacked: true })
});

// --- events per second ------------------------------------------------------------------------

// The line of one input topic, made when the topic first moves (a legend of ten idle topics says
// nothing) and filled with zeros for the points before. Its colour follows the topic's place in
// the server's list, so a topic keeps its colour from one visit to the next.
function rateDataset(topic, place) {
  let dataset = ratesChart.data.datasets.find(d => d.label === topic);
  if (!dataset) {
    const color = COLORS[place % COLORS.length];
    dataset = { label: topic, data: ratesChart.data.labels.slice(1).map(() => 0), borderColor: color,
      backgroundColor: color, borderWidth: 1.5, pointRadius: ratePointRadius, tension: 0.2 };
    ratesChart.data.datasets.push(dataset);
  }
  return dataset;
}

// Two readings of the records each input topic holds make one point per topic; the header shows
// the total line's newest point, so the number and the chart never disagree.
function drawRates(stats) {
  const now = stats.as_of;
  const counts = stats.topics || {};
  document.getElementById('as-of').textContent = 'as of ' + TIME.format(new Date(now));
  if (now <= state.lastCountsAt) {
    return; // the same reading again (the server reuses one for half a second): no new interval
  }
  if (state.lastCounts) {
    const seconds = (now - state.lastCountsAt) / 1000;
    const round = rate => Math.round(rate * 10) / 10;
    let total = 0;
    ratesChart.data.labels.push(TIME.format(new Date(now)));
    Object.entries(counts).forEach(([topic, count], place) => {
      const rate = Math.max((count - (state.lastCounts[topic] ?? count)) / seconds, 0);
      total += rate;
      if (rate > 0 || ratesChart.data.datasets.some(d => d.label === topic)) {
        rateDataset(topic, place).data.push(round(rate));
      }
    });
    ratesChart.data.datasets[0].data.push(round(total));
    for (const dataset of ratesChart.data.datasets) {
      while (dataset.data.length < ratesChart.data.labels.length) {
        dataset.data.push(0); // a topic the reading no longer names
      }
    }
    if (ratesChart.data.labels.length > RATE_POINTS) {
      ratesChart.data.labels.shift();
      ratesChart.data.datasets.forEach(d => d.data.shift());
    }
    ratesChart.update();
    document.getElementById('total-rate').textContent = Math.round(round(total));
  }
  state.lastCounts = counts;
  state.lastCountsAt = now;
}

// --- alerts and devices -----------------------------------------------------------------------

function stateCell(value) {
  return { text: text(value), className: value === 'RAISED' ? 'raised' : '' };
}

function drawAlerts(open, latest) {
  document.getElementById('open-alert-count').textContent = open.items.length;
  fillTable('alerts-body', latest.items.map(a => a.card_id
    ? [clock(a.timestamp), 'fraud', a.card_id, { text: text(a.rule), title: a.reason }, fixed(a.amount, 2)]
    : [clock(a.timestamp), 'temperature', a.device_id, stateCell(a.state), fixed(a.temperature)]));
}

// The devices that have alerts (open ones first, then the newest), then the ones with readings, at
// most MAX_DEVICES. A device the list of readings does not hold yet (its reading is still on its
// way through Kafka Streams) is asked for by id, so a device with an alert is never missing.
async function refreshDevices(openAlerts) {
  const [alerts, withReadings] = await Promise.all([
    getJson('/api/alerts?type=temperature&limit=100').catch(() => ({ items: [] })),
    getJson('/api/devices').catch(e => {
      console.debug('devices list skipped:', e.message);
      return null;
    })]);
  const alerting = new Set([...(openAlerts || []), ...alerts.items].map(a => a.device_id).filter(Boolean));
  const listed = new Map(((withReadings && withReadings.items) || []).map(d => [d.device_id, d]));
  const ids = [...new Set([...alerting, ...listed.keys()])].slice(0, MAX_DEVICES);
  [...state.devices.keys()].filter(id => !ids.includes(id)).forEach(id => state.devices.delete(id));
  await Promise.all(ids.map(async id => {
    if (listed.has(id)) {
      state.devices.set(id, listed.get(id));
      return;
    }
    try {
      state.devices.set(id, await getJson('/api/devices/' + encodeURIComponent(id)));
    } catch (e) {
      console.debug('device skipped:', e.message); // keeps its last answer, if any
    }
  }));
  const rank = d => d.alert_state === 'RAISED' ? 0 : alerting.has(d.device_id) ? 1 : 2;
  drawDevices(ids.map(id => state.devices.get(id)).filter(Boolean)
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map(x => x.d));
}

function drawDevices(items) {
  const newest = d => (d.averages && d.averages[0]) || {};
  document.getElementById('devices-chart-box').hidden = items.length === 0;
  devicesChart.data.labels = items.map(d => d.device_id);
  devicesChart.data.datasets[0].data = items.map(d => d.temperature);
  devicesChart.data.datasets[1].data = items.map(d => newest(d).average ?? null);
  devicesChart.update();
  fillTable('devices-body', items.map(d => [d.device_id, fixed(d.temperature), fixed(newest(d).average),
    fixed(newest(d).min), fixed(newest(d).max), stateCell(d.alert_state)]));
}

function drawCategories(categories) {
  const items = categories.items || [];
  categoriesChart.data.labels = items.map(c => c.category);
  categoriesChart.data.datasets[0].data = items.map(c => c.average);
  categoriesChart.update();
  fillTable('categories-body', items.map(c =>
    [c.category, big(c.count), big(c.sum, 1), fixed(c.average, 2), big(c.min, 1), big(c.max, 1)]));
}

// --- dead letters -----------------------------------------------------------------------------

async function refreshDeadLetters() {
  // The list answers 503 until this instance has read the dead-letter queue (readiness waits for it too).
  if (!ready || Date.now() < state.deadLettersDueAt) {
    return;
  }
  state.deadLettersDueAt = Date.now() + DEAD_LETTER_REFRESH_MS;
  try {
    const response = await fetch('/api/dead-letters?limit=5', { headers: { Accept: 'application/json' } });
    if (response.status === 404) {
      // A server without the endpoint: nothing to show, nothing wrong.
      state.deadLettersDueAt = Date.now() + DEAD_LETTER_ABSENT_RETRY_MS;
      drawDeadLetters({});
    } else if (response.ok) {
      drawDeadLetters(await response.json());
    } else {
      console.debug('dead letters skipped: answered', response.status);
    }
  } catch (e) {
    console.debug('dead letters skipped:', e.message);
  }
}

function drawDeadLetters(answer) {
  const items = answer.items || [];
  const counts = answer.counts || {};
  const perMinute = answer.per_minute || [];
  const bySource = Object.entries(counts.source_topics || {});
  // Before the first dead letter, the panel says so and nothing else (no empty axes).
  document.getElementById('dead-letters-content').hidden = items.length === 0 && bySource.length === 0;
  document.getElementById('dead-letter-count').textContent =
    bySource.reduce((sum, [, n]) => sum + n, 0) || items.length;

  const minutes = [...new Set(perMinute.map(p => p.minute))].sort((a, b) => a - b);
  const topics = [...new Set([...bySource.map(([topic]) => topic), ...perMinute.map(p => p.source_topic)])].sort();
  deadLettersChart.data.labels = minutes.map(m => MINUTE.format(new Date(toMillis(m))));
  deadLettersChart.data.datasets = topics.map((topic, i) => ({
    label: topic,
    backgroundColor: COLORS[i % COLORS.length],
    maxBarThickness: 48,
    data: minutes.map(m => perMinute.filter(p => p.minute === m && p.source_topic === topic)
      .reduce((sum, p) => sum + p.count, 0))
  }));
  deadLettersChart.update();

  fillTable('dead-letter-reasons-body', Object.entries(counts.reasons || {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([reason, n]) => [reason, big(n)]));
  fillTable('dead-letters-body', items.map(d => [
    clock(d.timestamp),
    { text: text(d.source_topic) + '-' + text(d.partition) + '@' + text(d.offset),
      title: 'kept at ' + (d.dead_letter ? d.dead_letter.topic + '-' + d.dead_letter.partition + '@' + d.dead_letter.offset : '?') },
    typeof d.key === 'object' && d.key !== null ? JSON.stringify(d.key) : d.key,
    text(d.reason),
    d.error]));
}

// --- the loop ---------------------------------------------------------------------------------

// Reads of Kafka Streams state answer 503 while it starts or rebalances: ask them only when ready.
let ready = false;

async function refresh() {
  const whenReady = (path, draw) => ready ? panel(path, draw) : Promise.resolve();
  await Promise.all([
    (async () => {
      // Readiness, answered with 200 either way (/health's 503 while DOWN would be a console error).
      const badge = document.getElementById('health');
      try {
        const h = await getJson('/api/status');
        ready = h.status === 'UP';
        badge.textContent = h.status;
        badge.className = 'badge ' + (h.status === 'UP' ? 'up' : 'down');
      } catch (e) {
        badge.textContent = 'unreachable';
        badge.className = 'badge down';
      }
    })(),
    panel('/api/stats', drawRates),
    (async () => {
      // The alert lists answer 503 until this instance has read the alert topics (readiness waits for them too).
      if (!ready) {
        return;
      }
      let open = null;
      try {
        const [openAnswer, latest] = await Promise.all([
          getJson('/api/alerts?type=temperature&state=open&limit=1000'),
          getJson('/api/alerts?limit=15')]);
        open = openAnswer.items;
        drawAlerts(openAnswer, latest);
      } catch (e) {
        console.debug('alerts skipped:', e.message);
      }
      await refreshDevices(open);
    })(),
    whenReady('/api/categories', drawCategories),
    whenReady('/api/pages/top?n=10', p => {
      document.getElementById('pages-window').textContent =
        p.window_start ? clock(p.window_start) + '–' + clock(p.window_end) : '';
      fillTable('pages-body', (p.pages || []).map(x => [x.page, big(x.views)]));
    }),
    whenReady('/api/conversions?limit=10', c => fillTable('conversions-body', c.items.map(m =>
      [m.user, m.clicked_product, m.purchased_product, text(m.time_diff) + ' s']))),
    whenReady('/api/words?top=10', w => fillTable('words-body', w.items.map(x => [x.word, big(x.count)]))),
    refreshDeadLetters()
  ]);
  // How many rounds have been drawn: lets a test wait for a redraw instead of for a time.
  document.documentElement.dataset.refreshes = String(++state.refreshes);
  setTimeout(refresh, REFRESH_MS);
}

refresh();
