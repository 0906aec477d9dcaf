/** How the dashboard writes numbers: the same for every tile, so a test can read them back. */

const DASH = '—';

/** An integer with thousands separators (`12,345`). */
export function int(v) {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : DASH;
}

/** A number with four decimals (`0.9312`): accuracies, MAE. */
export function fixed4(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : DASH;
}

/** A rate with one decimal (`1,234.5`). */
export function rate(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : DASH;
}

/** A share or a ratio as a percentage (`25%`, `99.2%`). */
export function percent(v) {
  return typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 1000) / 10}%` : DASH;
}

/** Any value as text; undefined and null as a dash. */
export function text(v) {
  return v === undefined || v === null || v === '' ? DASH : String(v);
}

/** yes / no. */
export function yesNo(v) {
  return typeof v === 'boolean' ? (v ? 'yes' : 'no') : DASH;
}

/** The local time of an ISO timestamp or ms since the epoch (`14:03:27`). */
export function clock(v) {
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? DASH : d.toLocaleTimeString('en-GB', { hour12: false });
}

/** HTML-escapes text for innerHTML. */
export function esc(v) {
  return String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
