// The operator pages' strings in the user's language: the server puts a JSON catalogue
// (msgid -> text) in <script type="application/json" id="ui-strings">; English otherwise.
// Every string a script shows goes through t(): the server finds them there (babel.cfg,
// `pybabel extract`), so the catalogue and the scripts cannot drift apart.
let table = null;

function load() {
  if (table) return table;
  const node = document.getElementById("ui-strings");
  try { table = node ? JSON.parse(node.textContent || "{}") : {}; } catch { table = {}; }
  return table;
}

/** The translation of `message` (an English msgid), with `%(name)s` filled from `vars`. */
export function t(message, vars) {
  const text = load()[message] || message;
  if (!vars) return text;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

