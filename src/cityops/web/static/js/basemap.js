// A Leaflet map whose base layer is Natural Earth country shapes (world-atlas, served by
// CityOps) converted from TopoJSON in the browser; a tile layer only if one is configured.
import * as L from "/assets/leaflet/dist/leaflet-src.esm.js";
import { feature } from "/assets/topojson-client/src/index.js";
import { t } from "./i18n.js";

export { L };

/** A label as a text node (never parsed as HTML). Not api.js's ``text``: importing api.js
 * pulls in format.js, which rewrites every <time> in the browser's zone, and the public
 * page writes its times in the city's zone on the server. */
export function text(value) {
  const node = document.createElement("span");
  node.textContent = String(value);
  return node;
}

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
  const pmtilesUrl = document.body.dataset.basemap;
  if (pmtilesUrl) {
    cityBasemap(map, pmtilesUrl).catch(() => {});
  } else if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18, attribution: t("Map tiles as configured") }).addTo(map);
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

/** The city's own offline basemap: a raster PMTiles archive served by CityOps, read with
 * HTTP range requests by the pmtiles library (npm, served under /assets/). */
async function cityBasemap(map, url) {
  if (!window.pmtiles) {
    window.L = window.L || L;  // the library's Leaflet layer expects the global L
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/assets/pmtiles/dist/pmtiles.js";
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }
  const source = new window.pmtiles.PMTiles(url);
  window.pmtiles.leafletRasterLayer(source, { attribution: t("City basemap"), maxZoom: 18 }).addTo(map).bringToBack();
}

export const STATE_COLOURS = {
  danger: "#b3261e", warning: "#f2a900", normal: "#1b6e35", stale: "#8e7cc3", nodata: "#9aa0a6",
};

const GEO = "/static/geo/";
const geoCache = {};

/** A context layer shipped with CityOps (Natural Earth and admin-1 GeoJSON), fetched once. */
export function contextLayer(name) {
  if (!geoCache[name]) geoCache[name] = fetch(GEO + name + ".json").then((r) => r.json());
  return geoCache[name];
}

const WATER = "#4a80b4";

/** Names of places a page labels itself (on a warning area); the context layer skips them. */
export const labelledPlaces = new Set();

/** Rivers, lakes, admin-1 boundaries and places under the map's own layers (offline). */
export async function addContext(map) {
  const pane = map.createPane("context");
  pane.style.zIndex = 420;  // above the country fill (overlay pane, 400)
  pane.style.pointerEvents = "none";
  const layers = [
    ["coastline", { color: "#6b7b8c", weight: 1 }],
    ["admin1", { color: "#8a7f9c", weight: 1, dashArray: "4 3" }],
    ["lakes", { color: WATER, weight: 1, fillColor: "#a9c8e6", fillOpacity: 1 }],
    ["rivers", { color: WATER, weight: 1.5 }],
  ];
  await Promise.all(layers.map(async ([name, style]) => {
    const geo = await contextLayer(name);
    L.geoJSON(geo, { pane: "context", style, interactive: false }).addTo(map);
  }));
  const places = await contextLayer("places");
  const group = L.layerGroup().addTo(map);
  const draw = () => {
    group.clearLayers();
    const zoom = map.getZoom();
    const view = map.getBounds().pad(0.1);
    for (const f of places.features) {
      const [lon, lat] = f.geometry.coordinates;
      if (!view.contains([lat, lon]) || f.properties.rank > zoom + 1) continue;
      if (labelledPlaces.has(f.properties.name)) continue;  // labelled on a warning area
      L.circleMarker([lat, lon], { pane: "context", radius: 2.5, color: "#333", weight: 1, fillOpacity: 1, interactive: false })
        .bindTooltip(text(f.properties.name), { permanent: true, direction: "right", className: "place-label", pane: "context" })
        .addTo(group);
    }
  };
  map.on("zoomend moveend", draw);
  draw();
  return places;
}

/** Places (Natural Earth) inside `bounds`, biggest first. */
export async function placesIn(bounds, limit = 8) {
  const places = await contextLayer("places");
  return places.features
    .filter((f) => bounds.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]))
    .sort((a, b) => b.properties.pop - a.properties.pop)
    .slice(0, limit);
}
