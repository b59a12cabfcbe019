// Data page: latest values and last-seen times update live.
import { onLive } from "./live.js";

onLive("observation", (ev) => {
  if (!ev.times.length) return;
  const value = document.querySelector(`[data-latest="${ev.datastream}"]`);
  const seen = document.querySelector(`[data-seen="${ev.datastream}"]`);
  if (value) value.textContent = String(ev.results[ev.results.length - 1]);
  if (seen) seen.textContent = new Date(ev.times[ev.times.length - 1] * 1000).toISOString().slice(0, 19).replace("T", " ");
});
