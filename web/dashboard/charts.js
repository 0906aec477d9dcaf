/**
 * Time charts on uPlot: each chart has candidate series (by name in the history the service sampled) and shows
 * those present; vertical lines mark drift detections (dashed, orange) and rollout decisions (purple).
 */
import uPlot from './vendor/uplot.js';

const MARK_COLORS = { drift: '#d9480f', decision: '#7048e8' };
const HEIGHT = 190;

/** Draws the marks (`{ t: ms, kind }`) as vertical lines across the plot area. */
function marksPlugin(getMarks) {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const { left, top, width, height } = u.bbox;
          for (const m of getMarks()) {
            const x = u.valToPos(m.t / 1000, 'x', true);
            if (!Number.isFinite(x) || x < left || x > left + width) continue;
            ctx.save();
            ctx.strokeStyle = MARK_COLORS[m.kind] ?? '#868e96';
            ctx.lineWidth = Math.max(1, devicePixelRatio);
            ctx.setLineDash(m.kind === 'drift' ? [5 * devicePixelRatio, 4 * devicePixelRatio] : []);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.restore();
          }
        },
      ],
    },
  };
}

export class TimeChart {
  /**
   * @param el the container
   * @param spec `{ series: [{ key, label, color, scale?: 'y' | 'y2', step?: true }], y2Label? }`
   * @param getMarks returns the marks to draw
   */
  constructor(el, spec, getMarks) {
    this.el = el;
    this.spec = spec;
    this.getMarks = getMarks;
    this.plot = undefined;
    this.keys = '';
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(el);
  }

  size() {
    return { width: Math.max(240, this.el.clientWidth), height: HEIGHT };
  }

  /** Shows `history` (`{ t: ms[], series: { name: values[] } }`); rebuilt when the set of present series changes. */
  update(history) {
    const present = this.spec.series.filter((s) => history.series[s.key]?.some((v) => v !== null));
    const keys = present.map((s) => s.key).join(',');
    if (present.length === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      this.keys = '';
      this.el.dataset.series = '';
      this.el.innerHTML = '<p class="empty">no data yet</p>';
      return;
    }
    const data = [history.t.map((t) => t / 1000), ...present.map((s) => history.series[s.key])];
    if (this.plot && keys === this.keys) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.el.innerHTML = '';
    this.keys = keys;
    this.el.dataset.series = keys;
    const hasY2 = present.some((s) => s.scale === 'y2');
    const opts = {
      ...this.size(),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, y: { auto: true }, ...(hasY2 ? { y2: { auto: true } } : {}) },
      axes: [{}, { size: 56 }, ...(hasY2 ? [{ scale: 'y2', side: 1, size: 48, label: this.spec.y2Label, grid: { show: false } }] : [])],
      series: [
        {},
        ...present.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          scale: s.scale ?? 'y',
          spanGaps: false,
          ...(s.step ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
        })),
      ],
      plugins: [marksPlugin(this.getMarks)],
    };
    this.plot = new uPlot(opts, data, this.el);
  }
}
