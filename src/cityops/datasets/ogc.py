"""The documents of /ogc (OGC API – Features Parts 1 and 3, Records, DCAT), built from
catalogue rows; the router in ``api/ogc.py`` only parses parameters and picks a format.
Links are absolute, built from the request's base URL, as OGC clients expect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/core",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
RECORDS = "catalogue"  # the collection id of the OGC API – Records catalogue


def link(href: str, rel: str, type_: str, title: str = "") -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(base: str) -> dict[str, Any]:
    return {
        "title": "CityOps data hub",
        "description": "The city's open datasets as OGC API – Features, with CQL2 filters.",
        "links": [
            link(f"{base}/ogc", "self", "application/json"),
            link(f"{base}/ogc?f=html", "alternate", "text/html"),
            link(
                f"{base}/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
            ),
            link(f"{base}/docs", "service-doc", "text/html"),
            link(f"{base}/ogc/conformance", "conformance", "application/json"),
            link(f"{base}/ogc/collections", "data", "application/json"),
            link(f"{base}/ogc/catalogue.jsonld", "describedby", "application/ld+json", "DCAT"),
        ],
    }


def collection(base: str, row: RowMapping) -> dict[str, Any]:
    href = f"{base}/ogc/collections/{row['slug']}"
    bbox = [row["bbox_minx"], row["bbox_miny"], row["bbox_maxx"], row["bbox_maxy"]]
    extent: dict[str, Any] = {}
    if None not in bbox:
        extent["spatial"] = {"bbox": [bbox], "crs": CRS84}
    if row["temporal_start"] or row["temporal_end"]:
        extent["temporal"] = {
            "interval": [[_iso(row["temporal_start"]), _iso(row["temporal_end"])]]
        }
    return {
        "id": row["slug"],
        "title": row["title"],
        "description": row["description"],
        "keywords": row["keywords"] or [],
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "license": row["licence"],
        "attribution": row["source"],
        "links": [
            link(href, "self", "application/json"),
            link(f"{href}?f=html", "alternate", "text/html"),
            link(f"{href}/items", "items", GEOJSON),
            link(f"{href}/items?f=html", "items", "text/html"),
            link(
                f"{href}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            ),
        ],
    }


def records_collection(base: str) -> dict[str, Any]:
    href = f"{base}/ogc/collections/{RECORDS}"
    return {
        "id": RECORDS,
        "title": "Catalogue of datasets",
        "description": "One record per dataset (OGC API – Records).",
        "itemType": "record",
        "links": [
            link(href, "self", "application/json"),
            link(f"{href}/items", "items", GEOJSON),
        ],
    }


def record(base: str, row: RowMapping) -> dict[str, Any]:
    bbox = [row["bbox_minx"], row["bbox_miny"], row["bbox_maxx"], row["bbox_maxy"]]
    geometry = None
    if None not in bbox:
        x0, y0, x1, y1 = bbox
        geometry = {
            "type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
        }
    return {
        "type": "Feature",
        "id": row["slug"],
        "geometry": geometry,
        "time": {
            "interval": [_iso(row["temporal_start"]) or "..", _iso(row["temporal_end"]) or ".."]
        }
        if row["temporal_start"] or row["temporal_end"]
        else None,
        "properties": {
            "type": "dataset",
            "title": row["title"],
            "description": row["description"],
            "keywords": row["keywords"] or [],
            "license": row["licence"],
            "publisher": row["publisher"],
            "updated": _iso(row["created_at"]),
        },
        "links": [link(f"{base}/ogc/collections/{row['slug']}", "item", "application/json")],
    }


def dcat(base: str, rows: list[RowMapping]) -> dict[str, Any]:
    """The catalogue as DCAT 2 in JSON-LD (what CKAN and data portals harvest)."""
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": f"{base}/ogc/catalogue.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": "CityOps data hub",
        "dcat:dataset": [_dcat_dataset(base, r) for r in rows],
    }


def _dcat_dataset(base: str, row: RowMapping) -> dict[str, Any]:
    href = f"{base}/ogc/collections/{row['slug']}"
    out: dict[str, Any] = {
        "@id": href,
        "@type": "dcat:Dataset",
        "dct:identifier": row["slug"],
        "dct:title": row["title"],
        "dct:description": row["description"],
        "dcat:keyword": row["keywords"] or [],
        "dct:issued": _iso(row["created_at"]),
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dcat:accessURL": {"@id": f"{href}/items"},
                "dcat:mediaType": GEOJSON,
            }
        ],
    }
    optional = {
        "dct:license": row["licence"],
        "dct:source": row["source"],
        "dct:accrualPeriodicity": row["update_frequency"],
    }
    out.update({k: v for k, v in optional.items() if v})
    if row["publisher"]:
        out["dct:publisher"] = {"@type": "foaf:Agent", "foaf:name": row["publisher"]}
    if None not in (row["bbox_minx"], row["bbox_maxy"]):
        out["dct:spatial"] = {
            "@type": "dct:Location",
            "dcat:bbox": ",".join(
                str(row[k]) for k in ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")
            ),
        }
    if row["temporal_start"] or row["temporal_end"]:
        out["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _iso(row["temporal_start"]),
            "dcat:endDate": _iso(row["temporal_end"]),
        }
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
