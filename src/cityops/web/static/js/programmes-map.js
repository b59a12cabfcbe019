// Programme register map: project sites (IATI locations) and the stations projects funded.
// On a project page (data-project) only that project's features are shown.
import { L, makeMap } from "./basemap.js";
import { getJSON, text } from "./api.js";
import { t } from "./i18n.js";

const node = document.getElementById("programmes-map");
if (node) {
  const map = makeMap("programmes-map", [14, 105], 5);
  const only = node.dataset.project ? Number(node.dataset.project) : null;
  const query = node.dataset.query ? `?${node.dataset.query}` : "";
  getJSON(`/api/programmes/map${query}`).then((doc) => {
    const features = doc.features.filter((f) => only === null || f.properties.project_id === only);
    const layer = L.geoJSON({ type: "FeatureCollection", features }, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: f.properties.kind === "site" ? 9 : 6, color: "#222", weight: 2,
        fillColor: f.properties.kind === "site" ? "#0b57d0" : "#1e7b34", fillOpacity: 0.9,
      }),
      onEachFeature: (f, marker) => {
        const p = f.properties;
        marker.bindTooltip(text(p.kind === "site" ? `${p.project}: ${p.name}` : t("Station: %(name)s", { name: p.name })));
      },
    }).addTo(map);
    if (features.length) map.fitBounds(layer.getBounds(), { maxZoom: 6, padding: [20, 20], animate: false });
    node.dataset.features = String(features.length);
  }).catch(() => { node.dataset.features = "error"; });
}
