// The operator pages' strings in the user's language: the server puts a JSON catalogue
// (msgid -> text) in <script type="application/json" id="ui-strings">; English otherwise.
let table = null;

function load() {
  if (table) return table;
  const node = document.getElementById("ui-strings");
  try { table = node ? JSON.parse(node.textContent || "{}") : {}; } catch { table = {}; }
  return table;
}

/** The translation of `message` (an English msgid listed in JS_MESSAGES on the server). */
export function t(message) {
  return load()[message] || message;
}
