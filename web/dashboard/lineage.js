/**
 * The version lineage as an SVG: one lane per major (newest at the bottom), one dot per version in order of
 * creation, an edge to each parent (a curve when it crosses lanes: a promotion or a retrain), and rings on the
 * versions rollout decisions name (promoted green, rolled back to red, pinned blue, rejected grey). Lanes of a
 * running rollout carry their share of traffic.
 */
import { clock, esc, fixed4, int, percent } from './format.js';

const NS = 'http://www.w3.org/2000/svg';
const LANE = 46;
const TOP = 24;
const LEFT = 118;
const RIGHT = 24;
const MIN_STEP = 9;
const MAX_STEP = 48;
const DECISION_CLASS = { promote: 'promoted', rollback: 'rolled-back', pin: 'pinned', reject: 'rejected', baseline: 'baseline' };

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Last decision per version, by the decision types that name one. */
function decisionsByVersion(decisions) {
  const out = new Map();
  for (const d of decisions) if (d.version && DECISION_CLASS[d.type]) out.set(d.version, d);
  return out;
}

/**
 * Renders `lineage` (`{ versions, decisions, total }` from /dashboard/api/lineage) into `container`, with
 * `rollout` (the status' rollout object, or undefined) for the lanes' shares.
 */
export function renderLineage(container, lineage, rollout) {
  const versions = [...lineage.versions].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.major - b.major || a.minor - b.minor);
  container.dataset.versions = String(versions.length);
  if (versions.length === 0) {
    container.innerHTML = '<p class="empty">no versions in the store yet</p>';
    return;
  }
  const majors = [...new Set(versions.map((v) => v.major))].sort((a, b) => a - b);
  const laneOf = new Map(majors.map((m, i) => [m, i]));
  const avail = Math.max(200, container.clientWidth - LEFT - RIGHT);
  const step = Math.max(MIN_STEP, Math.min(MAX_STEP, avail / Math.max(1, versions.length - 1)));
  const width = LEFT + RIGHT + step * Math.max(1, versions.length - 1);
  const height = TOP * 2 + LANE * (majors.length - 1);
  const pos = new Map(versions.map((v, i) => [v.version, { x: LEFT + i * step, y: TOP + LANE * (laneOf.get(v.major) ?? 0) }]));
  const shares = new Map((rollout?.arms ?? rollout?.active?.arms ?? []).map((a) => [a.major, a.share]));
  const marked = decisionsByVersion(lineage.decisions ?? []);

  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'version lineage' });
  for (const m of majors) {
    const y = TOP + LANE * (laneOf.get(m) ?? 0);
    svg.append(el('line', { x1: LEFT - 8, x2: width - RIGHT + 8, y1: y, y2: y, class: 'lane' }));
    const share = shares.get(m);
    const champion = rollout?.champion === m ? ' ★' : '';
    svg.append(el('text', { x: 6, y: y + 4, class: 'lane-label' }, `major ${m}${champion}${share !== undefined ? ` · ${percent(share)}` : ''}`));
  }
  for (const v of versions) {
    const to = pos.get(v.version);
    for (const p of v.parents) {
      const from = pos.get(p);
      if (!from) continue;
      const d =
        from.y === to.y
          ? `M${from.x},${from.y} L${to.x},${to.y}`
          : `M${from.x},${from.y} C${(from.x + to.x) / 2},${from.y} ${(from.x + to.x) / 2},${to.y} ${to.x},${to.y}`;
      svg.append(el('path', { d, class: from.y === to.y ? 'edge' : 'edge cross' }));
    }
  }
  for (const v of versions) {
    const { x, y } = pos.get(v.version);
    const decision = marked.get(v.version);
    if (decision) svg.append(el('circle', { cx: x, cy: y, r: 8, class: `ring ${DECISION_CLASS[decision.type]}` }));
    const dot = el('circle', { cx: x, cy: y, r: v.minor === 0 ? 5.5 : 4, class: `dot trigger-${v.trigger}`, 'data-version': v.version });
    const metrics = Object.entries(v.metrics)
      .map(([k, val]) => `${k} ${fixed4(val)}`)
      .join(', ');
    const tip = [
      `${v.version} (${v.trigger}${v.detail ? `: ${v.detail}` : ''})`,
      `${clock(v.createdAt)}, ${int(v.samples)} samples`,
      v.parents.length ? `parents ${v.parents.join(', ')}` : 'no parent',
      metrics,
      decision ? `${decision.type} by ${decision.by}: ${decision.reason}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    dot.append(el('title', {}, tip));
    svg.append(dot);
    if (v.minor === 0 || decision || v === versions[versions.length - 1])
      svg.append(el('text', { x, y: y - 11, class: 'dot-label', 'text-anchor': 'middle' }, v.version));
    if (decision) svg.append(el('text', { x, y: y + 21, class: `decision-label ${DECISION_CLASS[decision.type]}`, 'text-anchor': 'middle' }, decision.type));
  }
  container.replaceChildren(svg);
  // The newest versions are on the right: show them when the graph is wider than the panel.
  container.scrollLeft = container.scrollWidth;
}

/** The newest decisions, newest first, as list items. */
export function renderDecisions(list, decisions, limit = 8) {
  const recent = [...decisions].sort((a, b) => b.seq - a.seq).slice(0, limit);
  list.innerHTML = recent.length
    ? recent
        .map(
          (d) =>
            `<li data-seq="${d.seq}"><b class="decision-${esc(d.type)}">${esc(d.type)}</b> ${d.version ? esc(d.version) : ''} <span class="muted">${clock(d.at)} · ${esc(d.by)}</span><br><span class="reason">${esc(d.reason)}</span></li>`,
        )
        .join('')
    : '<li class="muted">no rollout decisions in the store</li>';
}
