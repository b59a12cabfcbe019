// A Leaflet map whose base layer is Natural Earth country shapes (world-atlas, served by
// CityOps) converted from TopoJSON in the browser; a tile layer only if one is configured.
import * as L from "/assets/leaflet/dist/leaflet-src.esm.js";
import { feature } from "/assets/topojson-client/src/index.js";

export { L };

let countries = null;

async function countryShapes() {
  if (!countries) {
    countries = fetch("/assets/world-atlas/countries-110m.json")
      .then((r) => r.json())
      .then((topo) => feature(topo, topo.objects.countries));
  }
  return countries;
}

/** A map in element `id`, centred on [lat, lon] (South-East Asia by default). */
export function makeMap(id, center = [12, 105], zoom = 5) {
  const map = L.map(id, { center, zoom, worldCopyJump: true, keyboard: true });
  const tiles = document.body.dataset.tileUrl;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18, attribution: "Map tiles as configured" }).addTo(map);
  } else {
    countryShapes().then((geo) => {
      L.geoJSON(geo, {
        style: { color: "#6b7b8c", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1 },
        interactive: false,
      }).addTo(map).bringToBack();
    }).catch(() => {});
  }
  map.attributionControl.addAttribution("Natural Earth");
  return map;
}

export const STATE_COLOURS = {
  danger: "#b3261e", warning: "#f2a900", normal: "#1b6e35", stale: "#8e7cc3", nodata: "#9aa0a6",
};

const CONTEXT = "/static/geo/";

/** A <span> holding `text` as text (Leaflet would parse a string as HTML). */
export function textNode(text) {
  const span = document.createElement("span");
  span.textContent = String(text ?? "");
  return span;
}
const geo = (name) => fetch(`${CONTEXT}${name}`).then((r) => (r.ok ? r.json() : null)).catch(() => null);

/** Places worth a label at `zoom`: capitals and big cities first, towns from zoom 8. */
function placeVisible(props, zoom) {
  const rank = Number(props.scalerank ?? 10);
  return zoom >= 9 || rank <= zoom - 2;
}

/**
 * Offline context under the stations: Natural Earth rivers, lakes and places, and
 * admin-1 (province) boundaries, shipped in the package (static/geo/). Labels are text
 * tooltips (never HTML). Returns a promise of the layers, for tests.
 */
export function addContext(map) {
  if (!map.getPane("context")) {
    map.createPane("context");
    map.getPane("context").style.zIndex = 350; // above the land, below areas and markers
  }
  const pane = "context";
  const done = [];
  const layer = (name, options) => done.push(geo(name).then((doc) => {
    if (!doc) return null;
    const l = L.geoJSON(doc, { pane, interactive: false, ...options }).addTo(map);
    return l;
  }));
  layer("admin1_vn.geojson", { style: { color: "#8a6d8f", weight: 1, dashArray: "4 3", fill: false } });
  layer("admin1_la.geojson", { style: { color: "#8a6d8f", weight: 1, dashArray: "4 3", fill: false } });
  layer("lakes.geojson", { style: { color: "#4a90c2", weight: 1, fillColor: "#b7d7ee", fillOpacity: 0.9 } });
  layer("rivers.geojson", { style: { color: "#4a90c2", weight: 1.5 } });
  const places = L.layerGroup().addTo(map);
  done.push(geo("places.geojson").then((doc) => {
    if (!doc) return null;
    const draw = () => {
      places.clearLayers();
      const zoom = map.getZoom();
      for (const f of doc.features) {
        if (!placeVisible(f.properties, zoom)) continue;
        const [lon, lat] = f.geometry.coordinates;
        L.circleMarker([lat, lon], { pane, radius: 2.5, color: "#333", weight: 1, fillOpacity: 1, interactive: false })
          .bindTooltip(textNode(f.properties.name), { permanent: true, direction: "right", className: "place-label", pane: "tooltipPane" })
          .addTo(places);
      }
    };
    draw();
    map.on("zoomend", draw);
    return places;
  }));
  map.attributionControl.addAttribution("Provinces: censusVN2009 (VN), geoBoundaries (LA)");
  return Promise.all(done);
}
