// Alerts in force (and drafts) of the city, listed and drawn on the dashboard map.
import { L } from "./basemap.js";
import { el, getJSON, text, when } from "./api.js";
import { t } from "./i18n.js";
import { ownInfo, word } from "./words.js";

/** GeoJSON-ish layers of a CAP info's areas (polygons lat,lon; circles in km). */
export function areaLayers(info, style) {
  const layers = [];
  for (const area of info.areas || []) {
    for (const poly of area.polygons || []) layers.push(L.polygon(poly, style).bindTooltip(text(area.area_desc)));
    for (const [lat, lon, km] of area.circles || []) {
      layers.push(L.circle([lat, lon], { ...style, radius: km * 1000 }).bindTooltip(text(area.area_desc)));
    }
  }
  return layers;
}

export class AlertList {
  constructor(boxId, map) {
    this.box = document.getElementById(boxId);
    this.layer = map ? L.layerGroup().addTo(map) : null;
  }

  async refresh() {
    const org = document.body.dataset.orgId;
    try {
      const doc = await getJSON(`/api/alerts?status=draft,issued${org ? `&org=${org}` : ""}`);
      this.render(doc.value || doc);
    } catch (err) {
      const message = err.status === 404 ? t("The alerts service is not available.") : `${t("Alerts unavailable:")} ${err.message}`;
      this.box.replaceChildren(el("p", {}, message));
    }
  }

  render(items) {
    this.layer?.clearLayers();
    const shown = items.filter((a) => a.msg_type !== "Cancel");
    if (!shown.length) { this.box.replaceChildren(el("p", {}, t("No alerts in force or drafted."))); return; }
    this.box.replaceChildren(el("ul", {}, shown.map((a) => {
      const info = ownInfo(a);
      if (this.layer && a.status === "issued") {
        for (const l of areaLayers(info, { color: "#b3261e", weight: 2, fillOpacity: 0.12 })) l.addTo(this.layer);
      }
      return el("li", { class: "alert-item", "data-alert": a.id, "data-status": a.status },
        el("strong", {}, `${a.status === "draft" ? t("Draft") : word(a.msg_type)}: `),
        info.headline || info.event || t("Alert %(id)s", { id: a.id }),
        el("br"), `${word(a.severity)} · ${word(a.status)}${a.sent ? ` · ${t("sent %(time)s", { time: when(a.sent) })}` : ""}`, " ",
        el("a", { href: `/ops/alerts?alert=${a.id}` }, a.status === "draft" ? t("Review and issue") : t("Open")));
    })));
  }
}
