// Public page of one CAP message: draw its area (polygons, circles) on the offline base map.
import { L, makeMap } from "./basemap.js";

const box = document.getElementById("alert-map");
if (box) {
  const features = JSON.parse(box.dataset.features || "[]");
  const map = makeMap("alert-map");
  const style = { color: "#b3261e", weight: 2, fillOpacity: 0.2, className: "alert-area" };
  const layer = L.geoJSON({ type: "FeatureCollection", features }, {
    style,
    pointToLayer: (f, latlng) => L.circle(latlng, { ...style, radius: (f.properties.radius_km || 1) * 1000 }),
    onEachFeature: (f, l) => l.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "area-label" }),
  }).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), { maxZoom: 11 });
}
