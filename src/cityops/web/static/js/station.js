// Station page: one uPlot chart per datastream over min/mean/max buckets, levels as lines.
import uPlot from "/assets/uplot/dist/uPlot.esm.js";
import { el, getJSON, orgQuery } from "./api.js";
import { fmtTick, fmtTime, fmtValue } from "./format.js";
import { debounce, onLive } from "./live.js";
import { t } from "./i18n.js";
import { trendText, trendWord } from "./words.js";

const LEVEL_COLOURS = ["#8a5300", "#b3261e", "#6a1b9a", "#000000"];
const charts = new Map();

function options(doc, width) {
  const levelSeries = Object.keys(doc.levels).map((name, i) => ({
    label: `${name} ${doc.levels[name]}`, stroke: LEVEL_COLOURS[i % LEVEL_COLOURS.length], width: 2, dash: [8, 4],
    points: { show: false },
  }));
  return {
    width, height: 260,
    series: [
      // the time column in the page's language and the city's zone (uPlot's own is English)
      { label: t("Time"), value: (u, v) => (v === null || v === undefined ? "--" : fmtTime(v)) },
      { label: t("max"), stroke: "#7aa7e0", width: 1, points: { show: false } },
      { label: t("mean"), stroke: "#0b57d0", width: 2, points: { show: false } },
      { label: t("min"), stroke: "#7aa7e0", width: 1, points: { show: false } },
      ...levelSeries,
    ],
    bands: [{ series: [1, 3], fill: "rgba(11,87,208,0.12)" }],
    axes: [
      { space: 90, values: (u, ticks, axis, space, step) => ticks.map((v) => fmtTick(v, step)) },
      { label: doc.unit || "", size: 60 },
    ],
    scales: { x: { time: true } },
  };
}

function data(doc) {
  const levelRows = Object.values(doc.levels).map((v) => doc.t.map(() => v));
  return [doc.t, doc.max, doc.mean, doc.min, ...levelRows];
}

async function draw(box) {
  const id = box.dataset.chart;
  const days = Number(document.getElementById("range").value);
  const buckets = Number(document.getElementById("buckets").value);
  const end = new Date(Date.now() + 1000);
  const start = new Date(end.getTime() - days * 86400 * 1000);
  let doc = await getJSON(`/api/series/${id}?from=${start.toISOString()}&to=${end.toISOString()}&buckets=${buckets}`);
  if (!doc.t.length) doc = await getJSON(`/api/series/${id}?buckets=${buckets}`);  // latest week with data
  charts.get(id)?.destroy();
  box.replaceChildren();
  const width = Math.max(280, box.clientWidth || 320);
  charts.set(id, new uPlot(options(doc, width), data(doc), box));
  box.dataset.points = String(doc.t.length);
}

function drawAll() {
  for (const box of document.querySelectorAll("[data-chart]")) draw(box).catch(() => {});
}

document.getElementById("range").addEventListener("change", drawAll);
document.getElementById("buckets").addEventListener("change", drawAll);
window.addEventListener("resize", debounce(drawAll, 300));

/** Badges, reasons and trend arrows from the same judgement as the map (web/state.py). */
async function refreshState() {
  const id = Number(document.getElementById("charts").dataset.thing);
  const doc = await getJSON(`/api/web/stations${orgQuery()}`);
  const st = doc.stations.find((s) => s.id === id);
  if (!st) return;
  const badge = (node, state, text, reason) => {
    if (!node) return;
    node.className = `badge state-${state}`;
    node.textContent = text;
    node.title = reason || "";
  };
  badge(document.getElementById("station-state"), st.state, st.label, st.reason);
  const why = document.getElementById("station-reason");
  if (why) why.textContent = st.reason;
  for (const d of st.datastreams) {
    badge(document.querySelector(`[data-ds-state="${d.id}"]`), d.state, d.level ? `${d.label} · ${d.level}` : d.label, d.reason);
    const reason = document.querySelector(`[data-ds-reason="${d.id}"]`);
    if (reason) reason.textContent = d.reason;
    const trend = document.querySelector(`[data-trend="${d.id}"]`);
    if (trend && d.trend) {
      trend.className = `trend trend-${d.trend.direction}`;
      trend.title = trendText(d.trend, d.trend.change, d.unit);
      trend.replaceChildren(d.trend.arrow, el("span", { class: "visually-hidden" }, ` ${trendWord(d.trend)}`));
    }
  }
}
const refreshLater = debounce(() => refreshState().catch(() => {}), 300);
onLive("incident", () => refreshLater());

const redraw = new Map();
onLive("observation", (ev) => {
  const box = document.querySelector(`[data-chart="${ev.datastream}"]`);
  if (!box) return;
  const latest = document.querySelector(`[data-latest="${ev.datastream}"]`);
  if (latest && ev.results.length) {
    latest.textContent = fmtValue(ev.results[ev.results.length - 1], latest.dataset.decimals);
    const seen = document.querySelector(`[data-seen="${ev.datastream}"]`);
    if (seen) seen.textContent = fmtTime(ev.times[ev.times.length - 1]);
  }
  refreshLater();
  if (!redraw.has(box)) redraw.set(box, debounce(() => draw(box).catch(() => {}), 200));
  redraw.get(box)();
});
drawAll();
