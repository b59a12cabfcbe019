// The dashboard map: the city's stations coloured by state (spread apart where they would
// overlap), popups with each value, its unit, time, trend and levels, the city's warning
// areas, and Natural Earth context (rivers, lakes, places). Text only: every label and
// popup is built with el(), which never parses HTML.
import { L, makeMap, STATE_COLOURS, addContext, text } from "./basemap.js";
import { el, getJSON, orgQuery } from "./api.js";
import { fmtTime, fmtValue } from "./format.js";
import { spreadPoints } from "./spread.js";
import { t } from "./i18n.js";
import { trendText } from "./words.js";

// st.label is the state's word in the page's language, from the server (web/state.py)
const label = (st) => st.label || st.state;

/** "2.35 m ↑" with the reading's time, for lists and popups. */
function valueLine(d) {
  const arrow = d.trend ? ` ${d.trend.arrow}` : "";
  const parts = [`${d.name}: ${fmtValue(d.last_value, d.decimals)} ${d.unit}${arrow}`.trim()];
  if (d.last_time) parts.push(` (${fmtTime(new Date(d.last_time))})`);
  return parts.join("");
}

function levelsLine(d) {
  const entries = Object.entries(d.levels || {});
  if (!entries.length) return null;
  return t("Levels: %(levels)s", { levels: entries.map(([n, v]) => `${n} ${fmtValue(v, d.decimals)} ${d.unit}`.trim()).join(" · ") });
}

/** The popup of a station: every fact as text. */
export function popupContent(st) {
  const rows = [el("strong", {}, st.name), el("div", { class: `badge state-${st.state}` }, label(st))];
  if (st.reason) rows.push(el("div", { class: "meta" }, st.reason));
  for (const d of st.datastreams) {
    if (d.last_value === null || d.last_value === undefined) continue;
    const trend = d.trend ? trendText(d.trend, fmtValue(d.trend.change, d.decimals), d.unit) : null;
    rows.push(el("div", { class: "popup-value" }, valueLine(d)));
    if (trend) rows.push(el("div", { class: "meta" }, t("Trend: %(trend)s", { trend })));
    const lv = levelsLine(d);
    if (lv) rows.push(el("div", { class: "meta" }, lv));
  }
  rows.push(el("a", { href: `/ops/stations/${st.id}${orgQuery()}` }, t("Open station")));
  return el("div", { class: "station-popup" }, ...rows);
}

export class StationMap {
  constructor(mapId, listId) {
    this.map = makeMap(mapId);
    addContext(this.map);
    this.list = document.getElementById(listId);
    this.stations = L.layerGroup().addTo(this.map);
    this.leaders = L.layerGroup().addTo(this.map);
    this.areas = L.geoJSON(null, {
      style: { color: "#0b57d0", weight: 2, fillOpacity: 0.08 },
      onEachFeature: (f, layer) => { if (f.properties && f.properties.name) layer.bindTooltip(text(f.properties.name), { sticky: true }); },
    }).addTo(this.map);
    this.byDatastream = new Map();
    this.markers = [];
    this.fitted = false;
    this.map.on("zoomend", () => this.spread());
    this.downstream = L.layerGroup().addTo(this.map);
    document.addEventListener("cityops:downstream", (e) => this.showDownstream(e.detail.items));
  }

  /** Stations downstream of an incident: a dashed ring each, with the expected arrival. */
  showDownstream(items) {
    this.downstream.clearLayers();
    for (const d of items) {
      if (d.lat === null || d.lon === null) continue;
      const m = L.circleMarker([d.lat, d.lon], { radius: 16, color: "#b3261e", weight: 2, dashArray: "4 4",
        fill: false, className: "downstream-marker" });
      const line = d.arrival ? `${t("Expected level")} ${d.expected_level} ${d.unit || ""} (${d.expected_level_name}), ${t("Expected arrival")} ${fmtTime(new Date(d.arrival))}`
        : `${t("Travel time")}: ${t("unknown: no forecast")}`;
      m.bindTooltip(() => el("span", {}, `${d.station}: ${line}`));
      m.on("add", () => { const path = m.getElement(); if (path) path.dataset.downstream = d.datastream_id; });
      m.addTo(this.downstream);
    }
  }

  /** Reload stations and areas from the server and redraw. */
  async refresh() {
    const doc = await getJSON(`/api/web/stations${orgQuery()}`);
    this.draw(doc);
    return doc;
  }

  draw(doc) {
    this.redrawing = true;
    this.stations.clearLayers();
    this.redrawing = false;
    this.areas.clearLayers();
    this.areas.addData(doc.areas);
    this.byDatastream.clear();
    this.markers = [];
    const points = [];
    for (const st of doc.stations) {
      for (const ds of st.datastreams) this.byDatastream.set(ds.id, st);
      if (st.lat === null || st.lon === null) continue;
      points.push([st.lat, st.lon]);
      const m = this.marker(st).addTo(this.stations);
      this.markers.push({ m, st });
    }
    this.renderList(doc.stations);
    if (!this.fitted && points.length) {
      this.map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 11 });
      this.fitted = true;
    } else if (!this.fitted && doc.org && doc.org.lat !== null) {
      this.map.setView([doc.org.lat, doc.org.lon], 10);
    }
    this.spread();
    const reopen = this.markers.find(({ st }) => st.id === this.openId);
    if (reopen) reopen.m.openPopup(); // a live redraw keeps the operator's popup open
  }

  /** Move markers that overlap at this zoom onto a small circle, with leader lines. */
  spread() {
    this.leaders.clearLayers();
    const pts = this.markers.map(({ st }) => this.map.latLngToLayerPoint([st.lat, st.lon]));
    const placed = spreadPoints(pts, 22);
    this.markers.forEach(({ m, st }, i) => {
      const at = this.map.layerPointToLatLng(L.point(placed[i].x, placed[i].y));
      m.setLatLng(at);
      if (placed[i].x !== pts[i].x || placed[i].y !== pts[i].y) {
        L.polyline([[st.lat, st.lon], at], { color: "#222", weight: 1, interactive: false }).addTo(this.leaders);
      }
    });
  }

  marker(st) {
    const colour = STATE_COLOURS[st.state] || STATE_COLOURS.nodata;
    const open = st.datastreams.some((d) => d.incidents.length);
    const m = L.circleMarker([st.lat, st.lon], {
      radius: open ? 11 : 8, color: open ? "#000" : "#222", weight: open ? 3 : 2,
      fillColor: colour, fillOpacity: 0.95, className: `station-marker state-${st.state}`,
    });
    m.bindTooltip(() => el("span", {}, `${st.name}: ${label(st)}`));
    m.bindPopup(() => popupContent(st));
    m.on("popupopen", () => { this.openId = st.id; });
    m.on("popupclose", () => { if (this.openId === st.id && !this.redrawing) this.openId = null; });
    m.on("add", () => {
      const path = m.getElement();
      if (path) { path.dataset.station = st.id; path.dataset.state = st.state; }
    });
    return m;
  }

  renderList(stations) {
    if (!this.list) return;
    this.list.replaceChildren(...stations.map((st) => el("li", { "data-station": st.id, "data-state": st.state },
      el("span", { class: `badge state-${st.state}`, title: st.reason || "" }, label(st)),
      el("a", { href: `/ops/stations/${st.id}${orgQuery()}` }, st.name),
      st.datastreams.filter((d) => d.last_value !== null).map((d) => el("span", { class: "meta", title: d.reason || "" },
        valueLine(d))))));
    if (!stations.length) this.list.replaceChildren(el("li", {}, t("No stations in this city.")));
  }
}
