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
  danger: "#b3261e", warning: "#f2a900", normal: "#1b6e35", nodata: "#9aa0a6",
};
