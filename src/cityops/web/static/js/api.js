// JSON calls to CityOps' own API; writes carry the session's CSRF token.
import { fmtTime } from "./format.js";

const csrf = () => document.body.dataset.csrf || "";

/** GET a JSON document; throws an Error with the problem detail on failure. */
export async function getJSON(url) {
  const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  return answer(resp);
}

/** POST (or another method) a JSON body with the X-CSRF-Token header. */
export async function send(url, body = {}, method = "POST") {
  const resp = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body),
  });
  return answer(resp);
}

async function answer(resp) {
  const text = await resp.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch { doc = null; }
  if (!resp.ok) {
    const err = new Error((doc && (doc.detail || doc.message)) || `${resp.status} ${resp.statusText}`);
    err.status = resp.status;
    throw err;
  }
  return doc;
}

/** The city query string of the page (admins switch cities with ?org=). */
export function orgQuery(prefix = "?") {
  const org = new URLSearchParams(location.search).get("org");
  return org ? `${prefix}org=${encodeURIComponent(org)}` : "";
}

/** Create an element with attributes and children (text or nodes); never parses HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Text for a Leaflet tooltip or popup: Leaflet puts a string in as HTML, so names (which
 * anyone who may name a Thing, a city or an alert area chose) go in as a text node. */
export function text(value) {
  const node = document.createElement("span");
  node.textContent = String(value);
  return node;
}

/** A short local time for a timestamp (ISO text or seconds). */
export function when(value) {
  if (value === null || value === undefined) return "—";
  return fmtTime(typeof value === "number" ? new Date(value * 1000) : new Date(value));
}
