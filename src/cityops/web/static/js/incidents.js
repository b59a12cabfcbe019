// The incident queue: list, acknowledge, assign, annotate, resolve, timeline.
import { el, getJSON, orgQuery, send, when } from "./api.js";
import { t } from "./i18n.js";

const ACTIONS = {
  acknowledge: { label: t("Acknowledge"), states: ["open"] },
  assign: { label: t("Assign"), states: ["open", "acknowledged"], field: "assignee" },
  annotate: { label: t("Add note"), states: ["open", "acknowledged", "resolved"], field: "note" },
  resolve: { label: t("Resolve"), states: ["open", "acknowledged"] },
};
// Words the server sends as codes: incident states and timeline entry kinds.
const WORDS = {
  open: t("open"), acknowledged: t("acknowledged"), resolved: t("resolved"), opened: t("opened"),
  escalated: t("escalated"), deescalated: t("de-escalated"), cleared: t("condition cleared"),
  recurred: t("recurred"), assigned: t("assigned"), annotated: t("note added"), reopened: t("reopened"),
  escalation: t("escalated to the city admin"),
};
const word = (code) => WORDS[code] || code;
const SYSTEM = t("the system"); // timeline entries the engine made
const actor = (name) => (name === "system" ? SYSTEM : name);

export class IncidentQueue {
  constructor(containerId, toggleId) {
    this.box = document.getElementById(containerId);
    this.toggle = document.getElementById(toggleId);
    this.toggle?.addEventListener("change", () => this.refresh());
  }

  async refresh() {
    const states = this.toggle?.checked ? "open,acknowledged,resolved" : "open,acknowledged";
    const org = document.body.dataset.orgId;
    const query = `state=${states}&limit=200${org ? `&org=${org}` : ""}`;
    try {
      const doc = await getJSON(`/api/incidents?${query}`);
      this.render(doc.value);
    } catch (err) {
      this.box.replaceChildren(el("p", { class: "error" }, t("Incidents unavailable: %(error)s", { error: err.message })));
    }
  }

  render(items) {
    if (!items.length) {
      this.box.replaceChildren(el("p", {}, t("No open incidents.")));
      return;
    }
    this.box.replaceChildren(...items.map((inc) => this.card(inc)));
  }

  card(inc) {
    const id = `inc-${inc.id}`;
    const card = el("article", { class: `incident sev-${inc.severity} state-${inc.state}`, "data-incident": inc.id,
      "data-state": inc.state, "aria-labelledby": `${id}-t` },
      el("h3", { id: `${id}-t` },
        `${inc.state === "resolved" ? inc.max_level_name : inc.level_name} · ${inc.subject}`),
      el("p", { class: "meta" }, `#${inc.id} ${inc.rule} · ${word(inc.state)}`,
        inc.condition === "cleared" && inc.state !== "resolved" ? ` · ${t("condition cleared")}` : "",
        inc.assignee ? ` · ${t("assigned to %(person)s", { person: inc.assignee })}` : "",
        ` · ${t("opened %(time)s", { time: when(inc.opened_at) })}`,
        inc.last_value !== null ? ` · ${t("latest %(value)s", { value: inc.last_value })}` : "",
        inc.oscillations ? ` · ${t("came back %(count)s×", { count: inc.oscillations })}` : "",
        inc.escalated_at ? ` · ${t("escalated %(time)s", { time: when(inc.escalated_at) })}` : ""),
      el("p", { class: "peak" }, t("Peak: %(level)s", { level: inc.max_level_name }),
        inc.peak_value !== null && inc.peak_value !== undefined ? ` (${inc.peak_value})` : "",
        inc.peak_at ? ` ${t("at %(time)s", { time: when(inc.peak_at) })}` : ""),
      this.actions(inc));
    const details = el("details", {}, el("summary", {}, t("Timeline")));
    details.addEventListener("toggle", () => details.open && this.timeline(inc.id, details));
    const exposed = el("details", { class: "exposure" }, el("summary", {}, t("Who is exposed")));
    exposed.addEventListener("toggle", () => exposed.open && this.exposure(inc.id, exposed));
    const below = el("details", { class: "downstream" }, el("summary", {}, t("Next downstream")));
    below.addEventListener("toggle", () => below.open && this.downstream(inc.id, below));
    card.append(exposed, below, details);
    return card;
  }

  actions(inc) {
    const box = el("div", { class: "actions" });
    for (const [name, spec] of Object.entries(ACTIONS)) {
      if (!spec.states.includes(inc.state)) continue;
      if (spec.field) {
        const inputId = `inc-${inc.id}-${name}`;
        box.append(el("label", { for: inputId, class: "visually-hidden" }, t("%(action)s: incident %(id)s", { action: spec.label, id: inc.id })),
          el("input", { id: inputId, name: spec.field, placeholder: spec.field === "note" ? t("Note") : t("Assignee"),
            size: 10, value: spec.field === "assignee" ? inc.assignee || "" : "" }));
      }
      box.append(el("button", { type: "button", "data-action": name,
        onclick: () => this.act(inc, name, spec, box) }, spec.label));
    }
    if (inc.state !== "resolved") {
      box.append(el("button", { type: "button", "data-action": "new-alert", onclick: () => this.newAlert(inc, box) },
        t("New alert")));
    }
    return box;
  }

  /** Open (or start) the incident's alert draft in the composer. */
  async newAlert(inc, box) {
    try {
      const draft = await send(`/api/incidents/${inc.id}/alert`);
      location.href = `/ops/alerts?alert=${draft.id}${orgQuery("&")}`;
    } catch (err) {
      box.append(el("span", { class: "error", role: "alert" }, err.message));
    }
  }

  async act(inc, name, spec, box) {
    const body = {};
    if (spec.field) {
      const value = box.querySelector(`[name=${spec.field}]`).value.trim();
      if (!value && name === "annotate") return;
      body[spec.field] = value || null;
    }
    try {
      await send(`/api/incidents/${inc.id}/${name}`, body);
      await this.refresh();
    } catch (err) {
      box.append(el("span", { class: "error", role: "alert" }, err.message));
    }
  }

  // The exposure of the incident's alert area (the list leaves it out: computed per incident).
  async exposure(incidentId, details) {
    const doc = await getJSON(`/api/incidents/${incidentId}`);
    details.querySelector("p")?.remove();
    const exp = doc.exposure;
    details.append(exp
      ? el("p", { "data-exposure": incidentId }, exp.sentences?.[document.documentElement.lang] || exp.sentence,
        exp.basis === "flood_extent" ? ` (${t("flood extent at level")} ${exp.level})` : "",
        exp.synthetic_facilities ? ` (${t("facilities include synthetic demo data")})` : "")
      : el("p", {}, t("No warning area yet, or no ward and facility layers for this city.")));
  }

  // The stations below a river incident with the wave's expected arrival and level; the
  // map shows them too (a "cityops:downstream" event the station map listens to).
  async downstream(incidentId, details) {
    const doc = await getJSON(`/api/incidents/${incidentId}`);
    details.querySelector("ul, p")?.remove();
    const items = doc.downstream;
    if (!items) {
      details.append(el("p", {}, t("Not a river incident.")));
      return;
    }
    if (!items.length) {
      details.append(el("p", {}, t("No station downstream is linked by a river lag rule.")));
      return;
    }
    details.append(el("ul", {}, items.map((d) => el("li", { "data-downstream": d.datastream_id },
      el("strong", {}, d.station), ` ← ${d.from_station} · ${t("Travel time")}: `,
      d.lag_hours === null ? t("unknown: no forecast") : `${d.lag_hours} h${d.lag_estimated ? ` (${t("estimated")})` : ""}`,
      d.arrival ? ` · ${t("Expected level")}: ${d.expected_level} ${d.unit || ""} (${d.expected_level_name}) · ${t("Expected arrival")}: ${when(d.arrival)}` : ""))));
    document.dispatchEvent(new CustomEvent("cityops:downstream", { detail: { incident: incidentId, items } }));
  }

  async timeline(incidentId, details) {
    const doc = await getJSON(`/api/incidents/${incidentId}`);
    details.querySelector("ol")?.remove();
    details.append(el("ol", {}, doc.timeline.map((e) => el("li", {},
      `${when(e.time)} ${t("%(what)s by %(who)s", { what: word(e.kind), who: actor(e.actor) })}`,
      e.to_value ? ` → ${word(e.to_value)}` : "",
      e.note ? ` — ${e.note}` : ""))));
  }
}

