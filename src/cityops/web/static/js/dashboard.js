// /ops: map, incident queue and alerts in force, kept live by Server-Sent Events.
import { StationMap } from "./ops-map.js";
import { IncidentQueue } from "./incidents.js";
import { AlertList } from "./alert-list.js";
import { debounce, onLive } from "./live.js";
import { setupNotify } from "./notify.js";

const map = new StationMap("map", "station-list");
const queue = new IncidentQueue("incident-queue", "show-resolved");
const alerts = new AlertList("alert-list", map.map);
const orgId = Number(document.body.dataset.orgId || 0);
const notify = setupNotify("notify-toggle");

const redrawMap = debounce(() => map.refresh().catch(() => {}), 100);
const reloadQueue = debounce(() => queue.refresh(), 100);
const reloadAlerts = debounce(() => alerts.refresh(), 100);

onLive("observation", (ev) => { if (map.byDatastream.has(ev.datastream)) redrawMap(); });
onLive("incident", (ev) => {
  if (!orgId || ev.org_id === orgId) { reloadQueue(); redrawMap(); notify(ev); }
});
onLive("alert", () => reloadAlerts());

map.refresh().catch(() => {});
queue.refresh();
alerts.refresh();
