import { t } from "./i18n.js";
// Server-Sent Events from /api/events: one EventSource per page, many listeners.

const handlers = { observation: [], incident: [], alert: [] };
let source = null;
let lastEvent = Date.now();
const QUIET_MS = 10 * 60 * 1000; // connected, but no event for this long: say so

function status(text, down = false) {
  const node = document.getElementById("live-status");
  if (node) { node.textContent = text; node.classList.toggle("down", down); }
}

/** Call fn(data) for each event of `kind` (observation, incident, alert). */
export function onLive(kind, fn) {
  handlers[kind].push(fn);
  connect();
}

function connect() {
  if (source) return;
  source = new EventSource("/api/events");
  source.addEventListener("open", () => { lastEvent = Date.now(); status(t("Live updates on.")); });
  source.addEventListener("error", () => status(t("Live updates interrupted; reconnecting…"), true));
  setInterval(() => {
    if (source.readyState !== EventSource.OPEN) return;
    const quiet = Math.floor((Date.now() - lastEvent) / 60000);
    if (Date.now() - lastEvent > QUIET_MS) status(t("Connected, but no new data for %(minutes)s min.", { minutes: quiet }), true);
  }, 30000);
  for (const kind of Object.keys(handlers)) {
    source.addEventListener(kind, (ev) => {
      lastEvent = Date.now();
      if (kind === "observation") status(t("Live updates on."));
      let data = {};
      try { data = JSON.parse(ev.data); } catch { return; }
      for (const fn of handlers[kind]) fn(data);
    });
  }
}

/** Wrap fn so that many calls within `ms` run it once (after the last). */
export function debounce(fn, ms = 150) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}
