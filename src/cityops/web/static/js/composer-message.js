// The composer's message fields (every language at once): severity, urgency, certainty,
// response types, validity, and the area — one of the city's warning areas or a polygon
// drawn on the map; and the preview of each language as the public page renders it.
import { L, makeMap } from "./basemap.js";
import { getJSON, orgQuery } from "./api.js";
import { t } from "./i18n.js";

const box = document.getElementById("message-fields");
const areaSelect = document.getElementById("msg-area");
let map = null;
let drawing = [];
let drawn = null;
let shown = null;

function setupMap() {
  if (map) return;
  map = makeMap("composer-map");
  map.on("click", (ev) => {
    if (box.disabled) return;
    drawing.push([ev.latlng.lng, ev.latlng.lat]);
    redraw();
  });
}

function redraw() {
  if (drawn) drawn.remove();
  drawn = drawing.length ? L.polygon(drawing.map(([lon, lat]) => [lat, lon]), { color: "#b3261e" }).addTo(map) : null;
}

export function clearDrawing() {
  drawing = [];
  redraw();
}

export async function loadAreas() {
  try {
    const doc = await getJSON(`/api/web/stations${orgQuery()}`);
    for (const f of doc.areas.features.filter((x) => x.properties.entity === "Area")) {
      areaSelect.append(new Option(f.properties.name, f.properties.name));
    }
  } catch { /* the list stays with "keep" only */ }
}

/** Fill the fields from a draft (read-only when it is not a draft). */
export function showMessage(alert) {
  setupMap();
  const info = (alert.infos || [])[0] || {};
  box.disabled = alert.status !== "draft";
  box.querySelector("[name=severity]").value = info.severity || alert.severity || "Unknown";
  box.querySelector("[name=urgency]").value = info.urgency || "Unknown";
  box.querySelector("[name=certainty]").value = info.certainty || "Unknown";
  const types = new Set(info.response_type || []);
  for (const opt of box.querySelector("[name=response_type]").options) opt.selected = types.has(opt.value);
  box.querySelector("[name=valid_hours]").value = alert.valid_hours || 24;
  areaSelect.value = "";
  clearDrawing();
  if (shown) shown.remove();
  const features = [];
  for (const area of info.areas || []) {
    for (const poly of area.polygons || []) features.push(L.polygon(poly.map(([lat, lon]) => [lat, lon])));
    for (const [lat, lon, km] of area.circles || []) features.push(L.circle([lat, lon], { radius: km * 1000 }));
  }
  shown = L.featureGroup(features).addTo(map);
  setTimeout(() => { map.invalidateSize(); if (features.length) map.fitBounds(shown.getBounds().pad(0.5)); }, 0);
}

/** The changed fields as the PATCH body. */
export function messageBody() {
  const body = {
    severity: box.querySelector("[name=severity]").value,
    urgency: box.querySelector("[name=urgency]").value,
    certainty: box.querySelector("[name=certainty]").value,
    valid_hours: Number(box.querySelector("[name=valid_hours]").value),
  };
  const types = [...box.querySelector("[name=response_type]").selectedOptions].map((o) => o.value);
  if (types.length) body.response_type = types;
  const name = box.querySelector("[name=area_name]").value.trim();
  if (drawing.length >= 3) {
    body.area = { name: name || t("Drawn area"), geometry: { type: "Polygon", coordinates: [[...drawing, drawing[0]]] } };
  } else if (areaSelect.value) {
    body.area = { name: areaSelect.value };
  }
  return body;
}

/** The preview of every language, rendered by the server with the public page's template. */
export async function showPreview(alertId) {
  const panel = document.getElementById("preview-panel");
  const resp = await fetch(`/ops/alerts/${alertId}/preview`, { credentials: "same-origin" });
  if (!resp.ok) { panel.hidden = true; return; }
  const holder = document.createElement("template");
  holder.innerHTML = await resp.text();  // our own server-rendered, escaped template
  document.getElementById("preview").replaceChildren(holder.content);
  panel.hidden = false;
}
