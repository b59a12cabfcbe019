// Alert composer: the drafted CAP alert per language; edit, issue, update, cancel.
import { el, when } from "./api.js";
import { alertsApi } from "./alerts-api.js";
import { debounce, onLive } from "./live.js";
import { clearDrawing, loadAreas, messageBody, showMessage, showPreview } from "./composer-message.js";
import { confirmAction } from "./confirm.js";
import { t } from "./i18n.js";
import { ownInfo, word } from "./words.js";

const FIELDS = [["event", t("Event")], ["headline", t("Headline")], ["description", t("Description")],
  ["instruction", t("Instruction")]];

const items = document.getElementById("alert-items");
const filter = document.getElementById("alert-filter");
const form = document.getElementById("editor");
const statusLine = document.getElementById("editor-status");
let current = null;

async function refreshList() {
  try {
    const doc = await alertsApi.list(filter.value, document.body.dataset.orgId);
    const alerts = doc.value || doc;
    items.replaceChildren(alerts.length ? el("ul", {}, alerts.map((a) => el("li", { class: "alert-item", "data-alert": a.id },
      el("button", { type: "button", onclick: () => open(a.id) },
        `${word(a.status)} ${word(a.msg_type)} #${a.id}: ${headline(a)}`),
      el("div", { class: "meta" }, `${word(a.severity)} · ${(a.infos || []).map((i) => i.language).join(", ")}`)))) :
      el("p", {}, t("No alerts.")));
  } catch (err) {
    items.replaceChildren(el("p", {}, err.status === 404 ? t("The alerts service is not available.") : err.message));
  }
}

function headline(a) {
  const info = ownInfo(a);
  return info.headline || info.event || "";
}

async function open(id) {
  current = await alertsApi.get(id);
  document.getElementById("editor-empty").hidden = true;
  form.hidden = false;
  document.getElementById("editor-meta").textContent =
    `#${current.id} · ${word(current.msg_type)} · ${word(current.status)}${current.sent ? ` · ${t("sent %(time)s", { time: when(current.sent) })}` : ""}`;
  renderLanguages(current);
  showMessage(current);
  showPreview(current.id).catch(() => {});
  const draft = current.status === "draft";
  form.querySelector("[data-action=save]").disabled = !draft;
  form.querySelector("[data-action=issue]").disabled = !draft;
  form.querySelector("[data-action=update]").disabled = current.status !== "issued";
  form.querySelector("[data-action=cancel]").disabled = current.status !== "issued";
  const links = document.getElementById("editor-links");
  links.replaceChildren(current.xml_url ? el("a", { href: current.xml_url }, t("CAP document")) : "");
  history.replaceState(null, "", `?alert=${id}${location.search.match(/org=[^&]+/) ? `&${location.search.match(/org=[^&]+/)[0]}` : ""}`);
}

function renderLanguages(alert) {
  const tabs = document.getElementById("editor-tabs");
  const panels = document.getElementById("editor-panels");
  const readOnly = alert.status !== "draft";
  tabs.replaceChildren();
  panels.replaceChildren();
  (alert.infos || []).forEach((info, n) => {
    const key = `lang-${n}`;
    const tab = el("button", { type: "button", role: "tab", id: `${key}-tab`, "aria-controls": key,
      "aria-selected": n === 0 ? "true" : "false", "data-lang": info.language, onclick: () => select(n) }, info.language);
    const panel = el("fieldset", { class: "lang-panel", role: "tabpanel", id: key, "aria-labelledby": `${key}-tab`,
      "data-lang": info.language, lang: info.language, hidden: n !== 0 },
      el("legend", {}, t("Texts in %(language)s", { language: info.language })),
      FIELDS.map(([name, label]) => [
        el("label", { for: `${key}-${name}` }, label),
        name === "description" || name === "instruction" ?
          el("textarea", { id: `${key}-${name}`, name, readonly: readOnly }, info[name] || "") :
          el("input", { id: `${key}-${name}`, name, value: info[name] || "", readonly: readOnly }),
      ]),
      suggestion(alert, info, key, readOnly));
    tabs.append(tab);
    panels.append(panel);
  });
}

/** Who is exposed, as a sentence in this text's language (the server's exposure object),
 * with a button that appends it to the description. */
function suggestion(alert, info, key, readOnly) {
  const text = alert.exposure?.sentences?.[info.language];
  if (!text) return "";
  const box = el("p", { class: "exposure-suggestion", "data-exposure-lang": info.language },
    el("span", { class: "meta" }, `${t("Who is exposed")}: `), el("span", { lang: info.language }, text));
  if (alert.exposure.synthetic_facilities) box.append(` (${t("facilities include synthetic demo data")})`);
  if (!readOnly) {
    box.append(" ", el("button", { type: "button", "data-suggest": "description", onclick: () => {
      const area = document.getElementById(`${key}-description`);
      area.value = area.value.trim() ? `${area.value.trim()}\n${text}.` : `${text}.`;
    } }, t("Add to description")));
  }
  return box;
}

function select(n) {
  document.querySelectorAll("#editor-tabs [role=tab]").forEach((tab, i) => tab.setAttribute("aria-selected", String(i === n)));
  document.querySelectorAll("#editor-panels [role=tabpanel]").forEach((p, i) => { p.hidden = i !== n; });
}

async function saveEdits() {
  for (const panel of document.querySelectorAll("#editor-panels [role=tabpanel]")) {
    const info = current.infos.find((i) => i.language === panel.dataset.lang);
    const changes = {};
    for (const [name] of FIELDS) {
      const value = panel.querySelector(`[name=${name}]`).value;
      if (value !== (info[name] || "")) changes[name] = value;
    }
    if (Object.keys(changes).length) await alertsApi.edit(current.id, panel.dataset.lang, changes);
  }
}

async function run(action) {
  if (!(await confirmAction(action, current))) {
    statusLine.textContent = t("Nothing was sent.");
    return;
  }
  statusLine.textContent = t("Working…");
  try {
    if (action === "save" || action === "issue") await saveEdits();
    if (action === "message") await alertsApi.message(current.id, messageBody());
    const result = action === "save" || action === "message" ? null : await alertsApi[action](current.id);
    const next = result && result.id && action !== "issue" ? result.id : current.id;
    statusLine.textContent = { save: t("Edits saved."), message: t("Message saved."), issue: t("Alert issued."),
      update: t("Update drafted: edit and issue it."), cancel: t("Cancel issued.") }[action];
    await open(next);
    await refreshList();
  } catch (err) {
    statusLine.textContent = t("Not done (%(action)s): %(error)s", { action, error: err.message });
  }
}

form.addEventListener("click", (ev) => {
  const action = ev.target.closest("[data-action]")?.dataset.action;
  if (action === "clear-drawing") clearDrawing();
  else if (action) run(action);
});
form.addEventListener("submit", (ev) => ev.preventDefault());
filter.addEventListener("change", refreshList);
onLive("alert", debounce(refreshList, 150));
refreshList();
loadAreas();
const wanted = new URLSearchParams(location.search).get("alert");
if (wanted) open(Number(wanted)).catch((err) => { statusLine.textContent = err.message; });
