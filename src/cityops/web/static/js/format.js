// How values and times are shown: numbers at their quantity's precision, times in the
// city's time zone (the page's data-tz, else the browser's) with the zone named, in the
// page's language (<html lang>). Every <time datetime> on the page is rewritten on load.

const zone = document.body.dataset.tz || undefined;
// the page's language (the user's choice on operator pages), else the browser's
const locale = document.documentElement.lang || undefined;
const timeFormat = new Intl.DateTimeFormat(locale, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  timeZone: zone, timeZoneName: "short",
});

const axisFormats = {
  year: new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", timeZone: zone }),
  day: new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: zone }),
  hour: new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: zone }),
};

/** A chart axis tick (epoch seconds) in the page's language and the city's zone, as
 * coarse as the ticks' spacing (`step`, seconds): months, days or hours. */
export function fmtTick(seconds, step) {
  const kind = step >= 28 * 86400 ? "year" : step >= 86400 ? "day" : "hour";
  return axisFormats[kind].format(new Date(seconds * 1000));
}

/** A number at `decimals` places ("—" for null). */
export function fmtValue(value, decimals = 2) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  const text = n.toFixed(Number(decimals));
  return Number(text) === 0 ? text.replace(/^-/, "") : text;
}

/** A Date (or epoch seconds) in the city's zone, e.g. "5 Dec 2026, 21:40 GMT+7". */
export function fmtTime(when) {
  const date = when instanceof Date ? when : new Date(Number(when) * 1000);
  return timeFormat.format(date);
}

/** Rewrite every <time datetime> under `root`; the UTC instant stays in the title. */
export function localiseTimes(root = document) {
  for (const node of root.querySelectorAll("time[datetime]")) {
    const date = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    node.textContent = fmtTime(date);
    node.title = date.toISOString();
  }
}

localiseTimes();
