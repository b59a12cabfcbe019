// The alerts API as the composer uses it: one place to match the server's routes.
import { getJSON, send } from "./api.js";

export const alertsApi = {
  list: (status, org) => getJSON(`/api/alerts?status=${status}${org ? `&org=${org}` : ""}&limit=200`),
  get: (id) => getJSON(`/api/alerts/${id}`),
  edit: (id, language, changes) => send(`/api/alerts/${id}/infos/${encodeURIComponent(language)}`, changes, "PATCH"),
  message: (id, fields) => send(`/api/alerts/${id}`, fields, "PATCH"),
  fromIncident: (incidentId) => send(`/api/incidents/${incidentId}/alert`),
  issue: (id) => send(`/api/alerts/${id}/issue`),
  update: (id) => send(`/api/alerts/${id}/update`),
  cancel: (id) => send(`/api/alerts/${id}/cancel`),
};
