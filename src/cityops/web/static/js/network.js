// Network view: every pilot city on one map, with open incidents where the user may read.
import { L, makeMap } from "./basemap.js";
import { el, getJSON, text } from "./api.js";
import { debounce, onLive } from "./live.js";
import { t } from "./i18n.js";

const map = makeMap("network-map", [10, 110], 4);
const layer = L.layerGroup().addTo(map);
const rows = document.getElementById("network-rows");
const admin = document.querySelector("#org-select") !== null;

function cityLink(city) {
  return admin ? el("a", { href: `/ops?org=${encodeURIComponent(city.slug)}` }, city.name) : city.name;
}

async function refresh() {
  const doc = await getJSON("/api/web/network");
  layer.clearLayers();
  const cities = doc.value.filter((c) => c.kind === "city");
  for (const city of cities) {
    if (city.lat === null || city.lon === null) continue;
    const open = city.open_incidents || 0;
    L.circleMarker([city.lat, city.lon], { radius: open ? 10 : 6, color: "#222", weight: 2,
      fillColor: open ? "#b3261e" : "#0b57d0", fillOpacity: 0.9 })
      .bindTooltip(text(`${city.name}${city.open_incidents === null ? "" : `: ${t("%(count)s open", { count: open })}`}`)).addTo(layer);
  }
  rows.replaceChildren(...cities.map((c) => el("tr", { "data-org": c.slug },
    el("td", {}, cityLink(c)), el("td", {}, c.country_iso2 || ""), el("td", {}, c.timezone || ""),
    el("td", {}, c.open_incidents === null ? "—" : String(c.open_incidents)))));
  if (!cities.length) rows.replaceChildren(el("tr", {}, el("td", { colspan: 4 }, t("No cities yet."))));
}

onLive("incident", debounce(() => refresh().catch(() => {}), 200));
refresh().catch(() => {});
