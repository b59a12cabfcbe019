// The dashboard map: the city's stations coloured by state, its areas, incident rings.
import { L, makeMap, STATE_COLOURS } from "./basemap.js";
import { el, getJSON, orgQuery, text } from "./api.js";
import { fmtTime, fmtValue } from "./format.js";

const STATE_LABEL = { danger: "Danger", warning: "Warning", normal: "Normal", nodata: "No data" };

export class StationMap {
  constructor(mapId, listId) {
    this.map = makeMap(mapId);
    this.list = document.getElementById(listId);
    this.stations = L.layerGroup().addTo(this.map);
    this.areas = L.geoJSON(null, { style: { color: "#0b57d0", weight: 2, fillOpacity: 0.08 } }).addTo(this.map);
    this.byDatastream = new Map();
    this.fitted = false;
  }

  /** Reload stations and areas from the server and redraw. */
  async refresh() {
    const doc = await getJSON(`/api/web/stations${orgQuery()}`);
    this.draw(doc);
    return doc;
  }

  draw(doc) {
    this.stations.clearLayers();
    this.areas.clearLayers();
    this.areas.addData(doc.areas);
    this.byDatastream.clear();
    const points = [];
    for (const st of doc.stations) {
      for (const ds of st.datastreams) this.byDatastream.set(ds.id, st);
      if (st.lat === null || st.lon === null) continue;
      points.push([st.lat, st.lon]);
      this.marker(st).addTo(this.stations);
    }
    this.renderList(doc.stations);
    if (!this.fitted && points.length) {
      this.map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 9 });
      this.fitted = true;
    } else if (!this.fitted && doc.org && doc.org.lat !== null) {
      this.map.setView([doc.org.lat, doc.org.lon], 10);
    }
  }

  marker(st) {
    const colour = STATE_COLOURS[st.state] || STATE_COLOURS.nodata;
    const open = st.datastreams.some((d) => d.incidents.length);
    const m = L.circleMarker([st.lat, st.lon], {
      radius: open ? 11 : 8, color: open ? "#000" : "#222", weight: open ? 3 : 2,
      fillColor: colour, fillOpacity: 0.95, className: `station-marker state-${st.state}`,
    });
    m.bindTooltip(text(`${st.name}: ${STATE_LABEL[st.state]}`));
    m.bindPopup(() => el("div", {}, el("strong", {}, st.name), el("br"),
      `${STATE_LABEL[st.state]}`, el("br"),
      el("a", { href: `/ops/stations/${st.id}${orgQuery()}` }, "Open station")));
    m.on("add", () => {
      const path = m.getElement();
      if (path) { path.dataset.station = st.id; path.dataset.state = st.state; }
    });
    return m;
  }

  renderList(stations) {
    if (!this.list) return;
    this.list.replaceChildren(...stations.map((st) => el("li", { "data-station": st.id, "data-state": st.state },
      el("span", { class: `badge state-${st.state}` }, STATE_LABEL[st.state]),
      el("a", { href: `/ops/stations/${st.id}${orgQuery()}` }, st.name),
      st.datastreams.filter((d) => d.last_value !== null).map((d) => el("span", { class: "meta" },
        `${d.name}: ${fmtValue(d.last_value, d.decimals)} ${d.unit}`,
        d.last_time ? ` (${fmtTime(new Date(d.last_time))})` : "")))));
    if (!stations.length) this.list.replaceChildren(el("li", {}, "No stations in this city."));
  }
}
