// Data page: latest values and last-seen times update live.
import { fmtTime, fmtValue } from "./format.js";
import { onLive } from "./live.js";

onLive("observation", (ev) => {
  if (!ev.times.length) return;
  const value = document.querySelector(`[data-latest="${ev.datastream}"]`);
  const seen = document.querySelector(`[data-seen="${ev.datastream}"]`);
  if (value) value.textContent = fmtValue(ev.results[ev.results.length - 1], value.dataset.decimals);
  if (seen) seen.textContent = fmtTime(ev.times[ev.times.length - 1]);
});
