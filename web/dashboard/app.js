/**
 * The dashboard page: polls the status (every second), the sampled history (incrementally) and the lineage
 * (every five seconds) from /dashboard/api/, and renders the key numbers, the charts, the rollout state and
 * the lineage graph. After each render the body's `data-status-seq` names the status snapshot shown (the
 * `seq` of /dashboard/api/status), and each number's element carries `data-testid` and its raw `data-value`.
 */
import { TimeChart } from './charts.js';
import { esc, fixed4, int, percent, rate, text, yesNo } from './format.js';
import { renderDecisions, renderLineage } from './lineage.js';

const STATUS_EVERY_MS = 1000;
const LINEAGE_EVERY_MS = 5000;
const MAX_POINTS = 3600;

const sum = (record) => (record ? Object.values(record).reduce((n, v) => n + (Number.isFinite(v) ? v : 0), 0) : undefined);

/** The key numbers: `optional` tiles are hidden while their value is absent (accuracy for a regressor, ...). */
const TILES = [
  { id: 'version', label: 'version', get: (s) => s.version, fmt: text },
  { id: 'role', label: 'role', get: (s) => s.role ?? (s.running ? 'running' : 'stopped'), fmt: text },
  { id: 'samples-total', label: 'samples learned', get: (s) => s.samplesTotal, fmt: int },
  { id: 'samples-per-second', label: 'samples/s', get: (_s, h) => h.last('samplesPerSecond'), fmt: rate },
  { id: 'accuracy', label: 'accuracy (window)', get: (s) => s.metrics?.accuracy_window, fmt: fixed4, optional: true },
  { id: 'mae', label: 'MAE (window)', get: (s) => s.metrics?.mae_window, fmt: fixed4, optional: true },
  { id: 'served-accuracy', label: 'served accuracy', get: (s) => s.metrics?.served_accuracy, fmt: fixed4, optional: true },
  { id: 'logged-accuracy', label: 'logged accuracy (window)', get: (s) => s.metrics?.logged_accuracy_window, fmt: fixed4, optional: true },
  { id: 'batches', label: 'batches', get: (s) => s.batches, fmt: int },
  { id: 'buffered', label: 'buffered records', get: (s) => s.buffered, fmt: int },
  { id: 'paused', label: 'consumer paused', get: (s) => s.paused, fmt: yesNo },
  { id: 'pauses', label: 'pauses', get: (s) => s.pauses, fmt: int },
  { id: 'dead-lettered', label: 'dead-lettered', get: (s) => sum(s.deadLettered), fmt: int },
  { id: 'join-rate', label: 'label join rate', get: (s) => s.labels?.joinRate ?? undefined, fmt: percent, optional: true },
];

/** The history the service sampled, kept here as columns and extended with each poll. */
class History {
  constructor() {
    this.t = [];
    this.series = {};
    this.marks = [];
  }
  get since() {
    return this.t.length ? this.t[this.t.length - 1] : undefined;
  }
  append(chunk) {
    const n = this.t.length;
    const names = new Set([...Object.keys(this.series), ...Object.keys(chunk.series)]);
    for (const name of names) {
      const old = this.series[name] ?? new Array(n).fill(null);
      this.series[name] = old.concat(chunk.series[name] ?? new Array(chunk.t.length).fill(null));
    }
    this.t = this.t.concat(chunk.t);
    const drop = this.t.length - MAX_POINTS;
    if (drop > 0) {
      this.t = this.t.slice(drop);
      for (const name of Object.keys(this.series)) this.series[name] = this.series[name].slice(drop);
    }
    this.marks = chunk.marks;
  }
  last(name) {
    const values = this.series[name];
    return values ? values[values.length - 1] : undefined;
  }
}

const history = new History();
let lineage = { versions: [], decisions: [], total: 0 };
let lastStatus = {};

const decisionMarks = () => lineage.decisions.map((d) => ({ t: Date.parse(d.at), kind: 'decision', label: d.type })).filter((m) => Number.isFinite(m.t));
const allMarks = () => [...history.marks, ...decisionMarks()];

const charts = [
  new TimeChart(
    document.getElementById('chart-quality'),
    {
      series: [
        { key: 'metrics.accuracy_window', label: 'accuracy (window)', color: '#1c7ed6' },
        { key: 'metrics.accuracy', label: 'accuracy', color: '#74c0fc' },
        { key: 'metrics.served_accuracy', label: 'served', color: '#2b8a3e' },
        { key: 'metrics.logged_accuracy_window', label: 'logged (window)', color: '#e8590c' },
        { key: 'metrics.mae_window', label: 'MAE (window)', color: '#1c7ed6' },
        { key: 'metrics.mae', label: 'MAE', color: '#74c0fc' },
        { key: 'metrics.served_mae', label: 'served MAE', color: '#2b8a3e' },
        { key: 'metrics.logged_mae_window', label: 'logged MAE (window)', color: '#e8590c' },
      ],
    },
    allMarks,
  ),
  new TimeChart(document.getElementById('chart-throughput'), { series: [{ key: 'samplesPerSecond', label: 'samples/s', color: '#5f3dc4' }] }, allMarks),
  new TimeChart(
    document.getElementById('chart-backlog'),
    {
      y2Label: 'pauses',
      series: [
        { key: 'buffered', label: 'buffered', color: '#1098ad' },
        { key: 'labels.pending.features', label: 'join: features waiting', color: '#66a80f' },
        { key: 'labels.pending.labels', label: 'join: labels waiting', color: '#f59f00' },
        { key: 'pauses', label: 'pauses (total)', color: '#c92a2a', scale: 'y2', step: true },
        { key: 'paused', label: 'paused', color: '#ff8787', scale: 'y2', step: true },
      ],
    },
    allMarks,
  ),
];

function renderTiles(status) {
  const box = document.getElementById('tiles');
  if (!box.children.length) {
    box.innerHTML = TILES.map(
      (t) => `<div class="tile" id="tile-${t.id}"><span class="label">${esc(t.label)}</span><span class="value" data-testid="${t.id}"></span></div>`,
    ).join('');
  }
  for (const t of TILES) {
    const v = t.get(status, history);
    const tile = document.getElementById(`tile-${t.id}`);
    tile.hidden = Boolean(t.optional) && (v === undefined || v === null);
    const value = tile.querySelector('.value');
    value.textContent = t.fmt(v);
    value.dataset.value = v === undefined || v === null ? '' : String(v);
  }
}

/** The rollout state from the status (policy, champion, arms and their shares, pin) and per major. */
function renderRollout(status) {
  const box = document.getElementById('rollout');
  const r = status.rollout;
  if (!r || typeof r !== 'object') {
    box.innerHTML = '<p class="muted" data-testid="rollout-state">no rollout</p>';
    return;
  }
  // A subscriber's status says `pin` and `active` (src/subscriber/subscriber-status.ts).
  const pinned = r.pinned ?? r.pinnedVersion ?? r.pin?.version;
  const head = new Map();
  for (const v of lineage.versions) head.set(v.major, v.version);
  const arms = Array.isArray(r.arms) ? r.arms : Array.isArray(r.active?.arms) ? r.active.arms : [];
  const rows = [
    ...(r.champion !== undefined ? [{ major: r.champion, role: 'champion', share: 1 - arms.reduce((n, a) => n + (a.share ?? 0), 0) }] : []),
    ...arms.map((a) => ({ major: a.major, role: 'candidate', share: a.share })),
  ];
  const known = new Set(['policy', 'champion', 'arms', 'pinned', 'pinnedVersion', 'pin', 'active', 'decisions', 'lastDecisions']);
  const extra = Object.entries(r).filter(([k, v]) => !known.has(k) && v !== null && typeof v !== 'object');
  box.innerHTML = `
    <p data-testid="rollout-state"><b>${esc(text(r.active?.policy ?? r.policy ?? 'rollout'))}</b>${pinned ? ` · pinned to <b data-testid="rollout-pinned">${esc(pinned)}</b>` : ''}</p>
    <table class="rollout-table"><thead><tr><th>major</th><th>role</th><th>share</th><th>head</th></tr></thead><tbody>
    ${rows.map((row) => `<tr data-major="${esc(row.major)}"><td>${esc(row.major)}</td><td>${row.role}</td><td>${percent(row.share)}</td><td>${esc(text(head.get(row.major)))}</td></tr>`).join('')}
    </tbody></table>
    ${extra.length ? `<dl class="extra">${extra.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>` : ''}`;
}

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function setConnection(ok, message) {
  const c = document.getElementById('connection');
  c.textContent = message;
  c.classList.toggle('down', !ok);
}

async function pollStatus() {
  try {
    const since = history.since;
    const [snapshot, chunk] = await Promise.all([getJson('api/status'), getJson(`api/history${since !== undefined ? `?since=${since}` : ''}`)]);
    history.append(chunk);
    lastStatus = snapshot.status ?? {};
    renderTiles(lastStatus);
    renderRollout(lastStatus);
    for (const chart of charts) chart.update(history);
    document.body.dataset.statusSeq = String(snapshot.seq);
    setConnection(true, `status #${snapshot.seq} at ${new Date(snapshot.at).toLocaleTimeString('en-GB')}`);
  } catch (err) {
    setConnection(false, `offline: ${err.message}`);
  }
}

async function pollLineage() {
  try {
    lineage = await getJson('api/lineage');
    renderLineage(document.getElementById('lineage'), lineage, lastStatus.rollout);
    renderDecisions(document.getElementById('decisions'), lineage.decisions);
    const note = document.getElementById('lineage-note');
    note.textContent = `${int(lineage.total)} versions${lineage.total > lineage.versions.length ? `, newest ${int(lineage.versions.length)} shown` : ''}${lineage.unreadable ? `, ${lineage.unreadable} unreadable` : ''}`;
    document.body.dataset.lineageVersions = String(lineage.versions.length);
  } catch (err) {
    document.getElementById('lineage-note').textContent = `unavailable: ${err.message}`;
  }
}

/** Runs `fn` now and then `everyMs` after each run ends (never two at once). */
function loop(fn, everyMs) {
  const run = () => fn().finally(() => setTimeout(run, everyMs));
  run();
}

loop(pollStatus, STATUS_EVERY_MS);
loop(pollLineage, LINEAGE_EVERY_MS);
