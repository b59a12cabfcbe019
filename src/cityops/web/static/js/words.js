// Codes the server sends (CAP message types, severities, alert states) as the operator
// reads them in the page's language; the data keeps the codes. Unknown codes pass as is.
import { t } from "./i18n.js";

const WORDS = {
  // alert states
  draft: t("Draft"), issued: t("Issued"), discarded: t("Discarded"), superseded: t("Superseded"),
  // CAP msgType
  Alert: t("Alert"), Update: t("Update"), Cancel: t("Cancel"),
  // CAP severity
  Extreme: t("Extreme"), Severe: t("Severe"), Moderate: t("Moderate"), Minor: t("Minor"), Unknown: t("Unknown"),
};

/** The operator's word for a server code (the code itself when it has none). */
export function word(code) {
  return WORDS[code] || code || "";
}

const TREND = { rising: t("rising"), falling: t("falling"), steady: t("steady") };

/** "rising" in the page's language. */
export function trendWord(trend) {
  return TREND[trend.direction] || trend.direction;
}

/** "rising, +0.12 m in 60 min", the change already formatted by the caller. */
export function trendText(trend, change, unit) {
  const sign = Number(trend.change) >= 0 ? "+" : "";
  return t("%(direction)s, %(change)s in %(minutes)s min", {
    direction: trendWord(trend), change: `${sign}${change} ${unit || ""}`.trim(), minutes: trend.over_minutes,
  });
}

/** The alert's info in the page's language (its first info when it has none). */
export function ownInfo(alert) {
  const infos = (alert && alert.infos) || [];
  const lang = (document.documentElement.lang || "en").toLowerCase();
  return infos.find((i) => (i.language || "").toLowerCase().split("-")[0] === lang) || infos[0] || {};
}
