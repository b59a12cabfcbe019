// The confirm step of the ops alerts page: issuing goes to the public at once, and a
// Cancel is final (it cannot be updated or cancelled afterwards), so both ask first.
import { t } from "./i18n.js";
import { ownInfo, word } from "./words.js";

const TEXTS = {
  issue: (a) => [t("Issue to the public now: %(type)s · %(severity)s", { type: word(a.msg_type), severity: word(a.severity) }),
    t("“%(headline)s” will be published and sent to every subscriber.", { headline: ownInfo(a).headline || "" }),
    t("Issue now")],
  cancel: (a) => [t("Cancel alert %(id)s?", { id: a.identifier || a.id }),
    t("The public is told the warning is withdrawn. A Cancel is final: it cannot be updated or cancelled again."),
    t("Cancel the alert")],
};

/** Resolve true when the operator confirms ``action`` on alert ``alert``; true at once
 * for actions that need no confirmation. */
export function confirmAction(action, alert) {
  const texts = TEXTS[action];
  const dialog = document.getElementById("confirm-dialog");
  if (!texts || !dialog) return Promise.resolve(true);
  const [title, body, ok] = texts(alert);
  dialog.querySelector("#confirm-title").textContent = title;
  dialog.querySelector("#confirm-text").textContent = body;
  dialog.querySelector("#confirm-ok").textContent = ok;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.showModal();
  });
}
