// Public page: warnings on a map and as a list, refreshed live when alerts change.
import { L, makeMap } from "./basemap.js";
import { el, getJSON, text, when } from "./api.js";
import { debounce, onLive } from "./live.js";

const lang = document.body.dataset.lang || "en";
const t = JSON.parse(document.body.dataset.labels || "{}");
const list = document.getElementById("warnings");
const statusLine = document.getElementById("warn-status");
const map = makeMap("public-map");
const areas = L.layerGroup().addTo(map);

function style(w) {
  const red = w.severity === "Severe" || w.severity === "Extreme";
  return { color: red ? "#b3261e" : "#8a5300", weight: 2, fillOpacity: 0.2 };
}

function drawAreas(warnings) {
  areas.clearLayers();
  const bounds = [];
  for (const w of warnings) {
    L.geoJSON({ type: "FeatureCollection", features: w.features }, {
      style: style(w),
      pointToLayer: (f, latlng) => L.circle(latlng, { ...style(w), radius: (f.properties.radius_km || 1) * 1000 }),
      onEachFeature: (f, layer) => layer.bindTooltip(text(`${w.headline || w.event} — ${f.properties.name}`)),
    }).eachLayer((layer) => { layer.addTo(areas); bounds.push(layer.getBounds ? layer.getBounds() : null); });
  }
  const all = bounds.filter(Boolean);
  if (all.length) map.fitBounds(all.reduce((a, b) => a.extend(b), L.latLngBounds(all[0].getSouthWest(), all[0].getNorthEast())).pad(0.4), { maxZoom: 10 });
}

function item(w) {
  const dl = el("dl", {}, el("dt", { lang }, t.severity), el("dd", {}, w.severity_text || w.severity),
    w.area ? [el("dt", { lang }, t.area), el("dd", {}, w.area)] : null,
    w.expires ? [el("dt", { lang }, t.expires), el("dd", {}, el("time", { datetime: w.expires }, when(w.expires)))] : null);
  return el("li", { class: `warning sev-${w.severity}`, "data-alert": w.id, lang: w.language },
    el("h2", {}, w.headline || w.event),
    w.native ? null : el("p", { class: "note", lang }, `${t.other_language} ${w.language}.`),
    w.instruction ? el("p", { class: "instruction" }, el("strong", { lang }, `${t.instruction}: `), w.instruction) : null,
    el("p", {}, w.description), dl,
    w.xml_url ? el("p", {}, el("a", { href: w.xml_url, type: "application/cap+xml", lang }, t.cap)) : null);
}

async function refresh() {
  const doc = await getJSON(`/api/public/warnings?lang=${encodeURIComponent(lang)}`);
  list.replaceChildren(...doc.value.map(item));
  statusLine.textContent = doc.value.length ? "" : t.none;
  drawAreas(doc.value);
}

onLive("alert", debounce(() => refresh().catch(() => {}), 100));
refresh().catch(() => {});
