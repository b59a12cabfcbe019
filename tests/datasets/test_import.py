"""Dataset imports: each format, a broken file of each (nothing stored, the bad feature
named), a projected CRS transformed to WGS 84, invalid geometry repaired or refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import func, select

from cityops.auth.principal import SYSTEM, Principal, Role
from cityops.datasets.catalogue import Metadata
from cityops.datasets.service import import_file
from cityops.errors import Forbidden, InvalidInput
from cityops.store import schema as s
from cityops.store.base import Store
from tests.datasets.files import WARDS, geojson, ward_features, write_ogr, zipped_shapefile
from tests.helpers import make_org


def _meta(slug: str = "wards") -> Metadata:
    return Metadata(slug=slug, title="Wards", licence="CC-BY-4.0", keywords=["admin"])


def _features(store: Store) -> list[tuple[dict[str, object], str]]:
    f = s.dataset_features
    with store.read() as conn:
        rows = conn.execute(select(f.c.properties, f.c.geom).order_by(f.c.id)).all()
    return [(r.properties, r.geom) for r in rows]


def _count(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(s.datasets)).scalar_one(),
            conn.execute(select(func.count()).select_from(s.dataset_features)).scalar_one(),
        )


def test_geojson_import_stores_metadata_and_features(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson(ward_features()))
    import_file(store, SYSTEM, path, _meta(), "tamky")
    got = _features(store)
    assert [p["population"] for p, _ in got] == [1000, 2000]
    assert shapely.from_wkt(got[0][1]).equals(WARDS[0][3])
    with store.read() as conn:
        ds = conn.execute(select(s.datasets)).mappings().one()
    assert ds["feature_count"] == 2 and ds["licence"] == "CC-BY-4.0"
    assert ds["keywords"] == ["admin"] and ds["geometry_type"] == "Polygon"
    assert (ds["bbox_minx"], ds["bbox_maxx"]) == pytest.approx((108.40, 108.42))


def test_broken_geojson_feature_is_named_and_nothing_stored(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    feats = ward_features()
    feats[1]["geometry"] = {"type": "Polygon", "coordinates": [[[1, 2]]]}
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson(feats))
    with pytest.raises(InvalidInput, match="feature 2 \\(id 'w2'\\)"):
        import_file(store, SYSTEM, path, _meta(), "tamky")
    assert _count(store) == (0, 0)


def test_not_json_is_refused(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    path = tmp_path / "wards.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InvalidInput, match="not JSON"):
        import_file(store, SYSTEM, path, _meta(), "tamky")


def test_projected_geojson_is_transformed_to_wgs84(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    x, y = to_utm.transform(108.47, 15.57)
    feat = {
        "type": "Feature",
        "properties": {"name": "school"},
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32649"}}
    path = tmp_path / "schools.geojson"
    path.write_bytes(geojson([feat], crs=crs))
    import_file(store, SYSTEM, path, _meta("schools"), "tamky")
    point = shapely.from_wkt(_features(store)[0][1])
    assert (point.x, point.y) == pytest.approx((108.47, 15.57), abs=1e-7)


def test_projected_coordinates_without_a_crs_are_refused(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    feat = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [765000.0, 1723000.0]},
    }
    path = tmp_path / "schools.geojson"
    path.write_bytes(geojson([feat]))
    with pytest.raises(InvalidInput, match="feature 1: coordinates outside"):
        import_file(store, SYSTEM, path, _meta("schools"), "tamky")


def test_self_crossing_polygon_is_repaired(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    path = tmp_path / "bow.geojson"
    path.write_bytes(geojson([{"type": "Feature", "properties": {}, "geometry": bowtie}]))
    import_file(store, SYSTEM, path, _meta("bow"), "tamky")
    geom = shapely.from_wkt(_features(store)[0][1])
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(0.5)


def test_csv_with_coordinates(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    path = tmp_path / "shelters.csv"
    path.write_text("name,capacity,lat,lon\nSchool A,300,15.57,108.47\nHall B,,15.56,108.48\n")
    import_file(store, SYSTEM, path, _meta("shelters"), "tamky")
    got = _features(store)
    assert got[0][0] == {"name": "School A", "capacity": 300}
    assert got[1][0] == {"name": "Hall B", "capacity": None}
    assert shapely.from_wkt(got[0][1]).equals(shapely.Point(108.47, 15.57))


def test_csv_bad_row_is_named(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    path = tmp_path / "shelters.csv"
    path.write_text("name,lat,lon\nA,15.57,108.47\nB,north,108.48\n")
    with pytest.raises(InvalidInput, match="row 3"):
        import_file(store, SYSTEM, path, _meta("shelters"), "tamky")
    assert _count(store) == (0, 0)


def test_csv_without_coordinates_is_refused(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    path = tmp_path / "shelters.csv"
    path.write_text("name,capacity\nA,3\n")
    with pytest.raises(InvalidInput, match="coordinate columns"):
        import_file(store, SYSTEM, path, _meta("shelters"), "tamky")


def test_geopackage_in_a_projected_crs(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    utm = [
        shapely.transform(
            g, lambda xy: __import__("numpy").column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))
        )
        for *_, g in WARDS
    ]
    path = tmp_path / "wards.gpkg"
    write_ogr(path, "GPKG", crs="EPSG:32649", geoms=utm)
    import_file(store, SYSTEM, path, _meta(), "tamky")
    got = _features(store)
    assert [p["population"] for p, _ in got] == [1000, 2000]
    back = shapely.from_wkt(got[0][1])
    assert back.bounds == pytest.approx(WARDS[0][3].bounds, abs=1e-6)


def test_zipped_shapefile(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    import_file(store, SYSTEM, zipped_shapefile(tmp_path), _meta(), "tamky")
    got = _features(store)
    assert [p["name"] for p, _ in got] == ["w1", "w2"]


@pytest.mark.parametrize("name", ["wards.gpkg", "wards.zip"])
def test_broken_binary_files_are_refused(store: Store, tmp_path: Path, name: str) -> None:
    make_org(store, "tamky")
    path = tmp_path / name
    path.write_bytes(b"this is not a layer")
    with pytest.raises(InvalidInput, match=name):
        import_file(store, SYSTEM, path, _meta(), "tamky")
    assert _count(store) == (0, 0)


def test_only_a_city_admin_of_the_organisation_may_publish(store: Store, tmp_path: Path) -> None:
    org = make_org(store, "tamky")
    other = make_org(store, "pakse")
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson(ward_features()))
    with pytest.raises(Forbidden):
        import_file(store, Principal(Role.CITY_ADMIN, "x", org_id=other), path, _meta(), "tamky")
    with pytest.raises(Forbidden):
        import_file(store, Principal(Role.OPERATOR, "y", org_id=org), path, _meta(), "tamky")
    import_file(store, Principal(Role.CITY_ADMIN, "z", org_id=org), path, _meta(), "tamky")
    assert _count(store) == (1, 2)


def test_a_dataset_slug_is_used_once(store: Store, tmp_path: Path) -> None:
    make_org(store, "tamky")
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson(ward_features()))
    import_file(store, SYSTEM, path, _meta(), "tamky")
    with pytest.raises(Exception, match="exists already"):
        import_file(store, SYSTEM, path, _meta(), "tamky")
    assert _count(store) == (1, 2)
