"""parse_options and validate_options."""

from __future__ import annotations

import pytest

from cityops.datamodel.entities import entity
from cityops.errors import InvalidQuery, NotImplementedOption
from cityops.sta.query import parse_options, validate_options
from cityops.sta.query.ast import BinOp, Path


def opts(**params: str):  # type: ignore[no-untyped-def]
    return parse_options(
        {k.replace("_", "$", 1) if k.startswith("_") else k: v for k, v in params.items()},
        default_top=100,
        max_top=1000,
    )


def test_defaults() -> None:
    o = parse_options({}, default_top=100, max_top=1000)
    assert (o.filter, o.orderby, o.top, o.skip, o.count, o.select, o.expand, o.result_format) == (
        None,
        [],
        100,
        0,
        False,
        None,
        [],
        None,
    )


def test_top_is_capped_and_values_parsed() -> None:
    o = parse_options(
        {
            "$top": "5000",
            "$skip": "20",
            "$count": "true",
            "$select": "name,id, Datastreams",
            "$resultFormat": "dataArray",
            "other": "ignored",
        },
        default_top=100,
        max_top=1000,
    )
    assert (o.top, o.skip, o.count, o.select, o.result_format) == (
        1000,
        20,
        True,
        ["name", "id", "Datastreams"],
        "dataArray",
    )


def test_orderby_several_keys_any_case() -> None:
    o = parse_options(
        {"$orderby": "Datastream/name DESC, phenomenonTime aSc, year(phenomenonTime),result"},
        default_top=10,
        max_top=10,
    )
    assert [i.desc for i in o.orderby] == [True, False, False, False]
    assert o.orderby[0].expr == Path(("Datastream", "name"), 0)


@pytest.mark.parametrize(
    "params",
    [
        {"$top": "-1"},
        {"$top": "ten"},
        {"$skip": "1.5"},
        {"$count": "True"},
        {"$count": "yes"},
        {"$select": "name,,id"},
        {"$select": "na me"},
        {"$orderby": "name sideways"},
        {"$orderby": ""},
        {"$orderby": "name,"},
        {"$filter": "name eq"},
        {"$resultFormat": "csv"},
        {"$expand": "Datastreams($top=x)"},
        {"$expand": "Datastreams($filter=name eq)"},
        {"$expand": "Datastreams(($top=1)"},
        {"$expand": "Datastreams($top)"},
        {"$expand": "Data streams"},
        {"$expand": "Datastreams($top=1;$top=2)"},
    ],
)
def test_malformed_values(params: dict[str, str]) -> None:
    with pytest.raises(InvalidQuery):
        parse_options(params, default_top=10, max_top=100)


@pytest.mark.parametrize(
    "params",
    [
        {"$search": "x"},
        {"$Filter": "name eq 'x'"},
        {"$format": "json"},
        {"$apply": "x"},
        {"$expand": "Datastreams($search=x)"},
        {"$expand": "Datastreams($resultFormat=dataArray)"},
    ],
)
def test_unknown_options_are_not_implemented(params: dict[str, str]) -> None:
    with pytest.raises(NotImplementedOption):
        parse_options(params, default_top=10, max_top=100)


def test_nested_expand() -> None:
    o = parse_options(
        {
            "$expand": "Datastreams($filter=name eq 'a;b,c)';$select=name,id;"
            "$orderby=name desc;$top=3;$skip=1;$count=true;"
            "$expand=Observations($top=1;$orderby=phenomenonTime desc)),"
            "Locations"
        },
        default_top=100,
        max_top=1000,
    )
    assert [i.name for i in o.expand] == ["Datastreams", "Locations"]
    ds = o.expand[0].options
    assert isinstance(ds.filter, BinOp) and ds.filter.right.value == "a;b,c)"  # type: ignore
    assert (ds.select, ds.top, ds.skip, ds.count) == (["name", "id"], 3, 1, True)
    assert ds.orderby[0].desc
    obs = ds.expand[0]
    assert obs.name == "Observations" and obs.options.top == 1
    assert obs.options.orderby[0].desc
    assert o.expand[1].options.top == 100


def test_slash_paths_and_merging() -> None:
    o = parse_options(
        {
            "$expand": "Datastreams/Observations($top=2),Datastreams/Sensor,"
            "Datastreams($select=name)"
        },
        default_top=100,
        max_top=1000,
    )
    assert len(o.expand) == 1
    ds = o.expand[0]
    assert ds.name == "Datastreams" and ds.options.select == ["name"]
    assert [(e.name, e.options.top) for e in ds.options.expand] == [
        ("Observations", 2),
        ("Sensor", 100),
    ]


def test_validate_options_names() -> None:
    things = entity("Things")
    validate_options(
        opts(
            _filter="Datastreams/Observations/result gt 1",
            _select="name,@iot.id,Locations",
            _expand="Datastreams($expand=Observations($filter=result gt 1))",
        ),
        things,
    )
    for params, fragment in [
        ({"_filter": "nmae eq 'x'"}, "unknown property 'nmae' of Thing"),
        ({"_filter": "Datastreams/Sensr/name eq 'x'"}, "unknown property 'Sensr'"),
        ({"_filter": "name/x eq 'x'"}, "has no member 'x'"),
        ({"_filter": "Datastreams eq 1"}, "ends at a navigation"),
        ({"_filter": "name eq 1"}, "cannot compare a string with a number"),
        ({"_filter": "name add 1 eq 2"}, "cannot add string and number"),
        ({"_filter": "year(name) eq 2"}, "must be a datetime"),
        ({"_orderby": "Locations/name"}, "leads to many"),
        ({"_select": "nope"}, "has no property 'nope'"),
        ({"_expand": "Observations"}, "no navigation property 'Observations'"),
        ({"_expand": "Datastreams($filter=nope eq 1)"}, "unknown property 'nope' of Datastream"),
    ]:
        with pytest.raises(InvalidQuery) as info:
            validate_options(opts(**params), things)
        assert fragment in info.value.message, (params, info.value.message)
