// Pulse live dashboard: polls the read API and redraws. No framework; Chart.js for the charts.
'use strict';

const REFRESH_MS = 1000;
const RATE_POINTS = 60;
const STREAM_TOPICS = ['word-counts', 'real-time-data', 'input-topic', 'user-events', 'user-clicks',
  'purchases', 'transactions'];
const COLORS = ['#4e9af1', '#ff6b5b', '#4cc38a', '#f5b942', '#b07cf7', '#3fc7d9', '#f78fb3'];

const state = { lastOffsets: null, lastTime: 0, deviceHistory: new Map() };

function text(value) {
  return value === null || value === undefined ? '—' : String(value);
}

function fixed(value, digits = 1) {
  return typeof value === 'number' ? value.toFixed(digits) : text(value);
}

function clock(epochSeconds) {
  return typeof epochSeconds === 'number' ? new Date(epochSeconds * 1000).toLocaleTimeString() : '—';
}

function fillTable(id, rows) {
  const body = document.getElementById(id);
  body.replaceChildren(...rows.map(cells => {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      if (cell && typeof cell === 'object') {
        td.textContent = cell.text;
        td.className = cell.className || '';
      } else {
        td.textContent = text(cell);
      }
      tr.appendChild(td);
    }
    return tr;
  }));
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

const ratesChart = new Chart(document.getElementById('rates-chart'), {
  type: 'line',
  data: { labels: [], datasets: STREAM_TOPICS.map((topic, i) => ({
    label: topic, data: [], borderColor: COLORS[i % COLORS.length], pointRadius: 0, tension: 0.2 })) },
  options: { animation: false, scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true } }, plugins: { legend: { labels: { color: '#e6e9ec' } } } }
});

const devicesChart = new Chart(document.getElementById('devices-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [
    { label: '°C now', data: [], backgroundColor: '#ff6b5b' },
    { label: '5-min average', data: [], backgroundColor: '#4e9af1' }] },
  options: { animation: false, plugins: { legend: { labels: { color: '#e6e9ec' } } } }
});

const categoriesChart = new Chart(document.getElementById('categories-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [{ label: 'average', data: [], backgroundColor: '#4cc38a' }] },
  options: { animation: false, plugins: { legend: { labels: { color: '#e6e9ec' } } } }
});

function drawRates(stats) {
  const now = stats.as_of;
  if (state.lastOffsets) {
    const seconds = Math.max((now - state.lastTime) / 1000, 0.001);
    let total = 0;
    ratesChart.data.labels.push(new Date(now).toLocaleTimeString());
    STREAM_TOPICS.forEach((topic, i) => {
      const rate = Math.max(((stats.topics[topic] || 0) - (state.lastOffsets[topic] || 0)) / seconds, 0);
      total += rate;
      ratesChart.data.datasets[i].data.push(Math.round(rate));
    });
    if (ratesChart.data.labels.length > RATE_POINTS) {
      ratesChart.data.labels.shift();
      ratesChart.data.datasets.forEach(d => d.data.shift());
    }
    ratesChart.update();
    document.getElementById('total-rate').textContent = Math.round(total);
  }
  state.lastOffsets = stats.topics;
  state.lastTime = now;
  document.getElementById('as-of').textContent = 'as of ' + new Date(now).toLocaleTimeString();
}

function drawAlerts(open, latest) {
  document.getElementById('open-alert-count').textContent = open.items.length;
  fillTable('alerts-body', latest.items.map(a => a.card_id
    ? [clock(a.timestamp), 'fraud', a.card_id, a.rule, fixed(a.amount, 2)]
    : [clock(a.timestamp), 'temperature', a.device_id,
       { text: a.state, className: a.state === 'RAISED' ? 'raised' : '' }, fixed(a.temperature)]));
}

function drawDevices(devices) {
  const items = devices.items || [];
  devicesChart.data.labels = items.map(d => d.device_id);
  devicesChart.data.datasets[0].data = items.map(d => d.temperature);
  devicesChart.data.datasets[1].data = items.map(d => (d.averages && d.averages[0]) ? d.averages[0].average : null);
  devicesChart.update();
  fillTable('devices-body', items.map(d => {
    const avg = (d.averages && d.averages[0]) || {};
    return [d.device_id, fixed(d.temperature), fixed(avg.average), fixed(avg.min), fixed(avg.max),
      { text: d.alert_state, className: d.alert_state === 'RAISED' ? 'raised' : '' }];
  }));
}

function drawCategories(categories) {
  const items = categories.items || [];
  categoriesChart.data.labels = items.map(c => c.category);
  categoriesChart.data.datasets[0].data = items.map(c => c.average);
  categoriesChart.update();
  fillTable('categories-body', items.map(c =>
    [c.category, c.count, fixed(c.sum), fixed(c.average, 2), fixed(c.min), fixed(c.max)]));
}

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
      try {
        const [open, latest] = await Promise.all([
          getJson('/api/alerts?type=temperature&state=open&limit=1000'),
          getJson('/api/alerts?limit=15')]);
        drawAlerts(open, latest);
      } catch (e) {
        console.debug('alerts skipped:', e.message);
      }
    })(),
    whenReady('/api/devices', drawDevices),
    whenReady('/api/categories', drawCategories),
    whenReady('/api/pages/top?n=10', p => {
      document.getElementById('pages-window').textContent =
        p.window_start ? clock(p.window_start) + '–' + clock(p.window_end) : '';
      fillTable('pages-body', (p.pages || []).map(x => [x.page, x.views]));
    }),
    panel('/api/conversions?limit=10', c => fillTable('conversions-body', c.items.map(m =>
      [m.user, m.clicked_product, m.purchased_product, text(m.time_diff) + ' s']))),
    whenReady('/api/words?top=10', w => fillTable('words-body', w.items.map(x => [x.word, x.count])))
  ]);
  setTimeout(refresh, REFRESH_MS);
}

refresh();
