// Public page: warnings on a map and as a list (server-rendered, the same templates as the
// page), refreshed live; a region chosen once is remembered on this device; the page is an
// installable app whose service worker keeps the last warnings for offline reading.
import { L, addContext, labelledPlaces, makeMap, placesIn, text } from "./basemap.js";
import { debounce, onLive } from "./live.js";
import { setupPush } from "./push.js";

const REGION_KEY = "cityops.public.region";
const lang = document.body.dataset.lang || "en";
const t = JSON.parse(document.body.dataset.labels || "{}");
const regionSelect = document.getElementById("region-select");
const areaSelect = document.getElementById("sub-area");
const map = makeMap("public-map");
const areas = L.layerGroup().addTo(map);
let region = document.body.dataset.region || "";

function rememberedRegion() {
  if (new URLSearchParams(location.search).has("region")) return region;
  const saved = localStorage.getItem(REGION_KEY);
  const known = saved !== null && [...regionSelect.options].some((o) => o.value === saved);
  return known ? saved : region;
}

function style(severity) {
  const red = severity === "Severe" || severity === "Extreme";
  return { color: red ? "#b3261e" : "#8a5300", weight: 2, fillOpacity: 0.2 };
}

async function drawAreas() {
  areas.clearLayers();
  labelledPlaces.clear();
  let bounds = null;
  for (const item of document.querySelectorAll("#warnings li[data-alert]")) {
    const features = JSON.parse(item.dataset.features || "[]");
    const severity = item.className.match(/sev-(\w+)/)?.[1];
    const title = item.querySelector("h2")?.textContent.trim();
    L.geoJSON({ type: "FeatureCollection", features }, {
      style: style(severity),
      pointToLayer: (f, latlng) => L.circle(latlng, { ...style(severity), radius: (f.properties.radius_km || 1) * 1000 }),
      onEachFeature: (f, layer) => layer.bindTooltip(text(f.properties.name || title),
        { permanent: true, direction: "top", offset: [0, -6], className: "area-label" }),
    }).eachLayer((layer) => {
      layer.addTo(areas);
      bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
    });
  }
  if (!bounds) return;
  map.fitBounds(bounds.pad(0.4), { maxZoom: 11 });
  for (const place of await placesIn(bounds.pad(0.3))) {
    const [lon, lat] = place.geometry.coordinates;
    labelledPlaces.add(place.properties.name);
    L.circleMarker([lat, lon], { radius: 3, color: "#111", weight: 1, fillOpacity: 1, interactive: false })
      .bindTooltip(text(place.properties.name), { permanent: true, direction: "right", className: "area-place" })
      .addTo(areas);
  }
  map.fire("moveend");  // the context layer redraws its labels without these places
}

async function refresh() {
  const query = new URLSearchParams({ lang, region });
  const status = document.getElementById("warn-status");
  try {
    const resp = await fetch(`/public/warnings.html?${query}`, { headers: { Accept: "text/html" } });
    if (!resp.ok) throw new Error(`${resp.status}`);
    const holder = document.createElement("template");
    holder.innerHTML = await resp.text();  // our own server-rendered, escaped template
    const fresh = holder.content.getElementById("public-list");
    if (fresh) document.getElementById("public-list").replaceWith(fresh);
    if (resp.headers.get("X-CityOps-Offline") && status) status.textContent = t.offline || "";
  } catch {
    const line = document.getElementById("warn-status");
    if (line) line.textContent = t.offline || "";
  }
  await drawAreas();
}

/** The chosen region's warning areas, to subscribe to one of them. */
async function loadAreas() {
  areaSelect.replaceChildren(new Option(t.whole_region || "", ""));
  if (!region) return;
  const resp = await fetch(`/api/public/areas?region=${encodeURIComponent(region)}`);
  if (!resp.ok) return;
  for (const a of (await resp.json()).value) areaSelect.append(new Option(a.description || a.name, a.name));
}

regionSelect.addEventListener("change", () => {
  region = regionSelect.value;
  localStorage.setItem(REGION_KEY, region);
  const url = new URL(location.href);
  url.searchParams.set("region", region);
  history.replaceState(null, "", url);
  document.querySelector("#email-form [name=region]").value = region;
  loadAreas().catch(() => {});
  refresh().catch(() => {});
});

const wanted = rememberedRegion();
localStorage.setItem(REGION_KEY, wanted);
addContext(map).catch(() => {});
if (wanted !== region) {
  region = wanted;
  regionSelect.value = region;
  document.querySelector("#email-form [name=region]").value = region;
  refresh().catch(() => {});
} else {
  drawAreas().catch(() => {});
}
loadAreas().catch(() => {});
onLive("alert", debounce(() => refresh().catch(() => {}), 100));
setupPush({ lang, region: () => region, area: () => areaSelect.value, t });
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/public-sw.js", { scope: "/public" }).catch(() => {});
