"""Plain HTML views of /ogc documents (the Features ``html`` conformance class): a page
that lists links and, for items, a table of properties. Every value is escaped."""

from __future__ import annotations

from html import escape
from typing import Any


def page(title: str, doc: dict[str, Any]) -> str:
    parts = [f"<h1>{escape(title)}</h1>"]
    if doc.get("description"):
        parts.append(f"<p>{escape(str(doc['description']))}</p>")
    facts = [(label, doc.get(key)) for key, label in META if doc.get(key)]
    if facts:  # a dataset's page says where its data comes from and under which licence
        parts.append(
            "<dl class='metadata'>"
            + "".join(f"<dt>{escape(k)}</dt><dd>{escape(_text(v))}</dd>" for k, v in facts)
            + "</dl>"
        )
    if "collections" in doc:
        parts.append(_list([(c["title"], f"collections/{c['id']}") for c in doc["collections"]]))
    if "conformsTo" in doc:
        parts.append(_list([(c, c) for c in doc["conformsTo"]]))
    if doc.get("type") == "FeatureCollection":
        parts.append(_table([f["properties"] | {"id": f["id"]} for f in doc["features"]]))
    if doc.get("type") == "Feature":
        parts.append(_table([doc["properties"] | {"id": doc["id"]}]))
    links = [(k.get("title") or k["rel"], k["href"]) for k in doc.get("links", [])]
    parts.append("<h2>Links</h2>" + _list(links))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body>{''.join(parts)}</body></html>"
    )


#: Collection members shown as facts on the page: (key, label).
META = (
    ("attribution", "Source"),
    ("license", "Licence"),
    ("publisher", "Publisher"),
    ("keywords", "Keywords"),
)


def _text(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _list(items: list[tuple[str, str]]) -> str:
    rows = "".join(f"<li><a href='{escape(h)}'>{escape(str(t))}</a></li>" for t, h in items)
    return f"<ul>{rows}</ul>"


def _table(rows: list[dict[str, Any]]) -> str:
    keys = sorted({k for r in rows for k in r})
    head = "".join(f"<th>{escape(k)}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(r.get(k, '')))}</td>" for k in keys) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"
