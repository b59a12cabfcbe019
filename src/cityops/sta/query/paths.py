"""Resolution of member paths against the entity model (``datamodel/entities.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from cityops.datamodel.entities import EntityType, Kind, Nav, Prop, entity
from cityops.errors import InvalidQuery
from cityops.sta.query.ast import Path

ID_NAMES = ("id", "@iot.id")

# Static type of a property by its storage kind (JSON-valued kinds are typed by use).
KIND_TYPES = {
    Kind.TEXT: "string",
    Kind.TIME: "datetime",
    Kind.INTERVAL: "interval",
    Kind.GEOMETRY: "geometry",
    Kind.JSON: "json",
    Kind.RESULT: "result",
}


@dataclass(frozen=True)
class Resolved:
    """Where a path leads: the navigations walked, then a property (or the id) and a
    path inside a JSON value."""

    navs: tuple[tuple[EntityType, Nav], ...]  # (entity type the nav starts from, nav)
    target: EntityType
    prop: Prop | None  # None: the id
    json_path: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        if self.prop is None:
            return "number"
        if self.json_path:
            return "json"
        return KIND_TYPES[self.prop.kind]

    @property
    def many(self) -> bool:
        return any(nav.many for _, nav in self.navs)


def resolve(et: EntityType, path: Path) -> Resolved:
    """Resolve ``path`` from entity type ``et``; InvalidQuery naming an unknown member."""
    navs: list[tuple[EntityType, Nav]] = []
    current = et
    segments = path.segments
    for i, seg in enumerate(segments):
        nav = current.nav_by_name.get(seg)
        if nav is not None:
            navs.append((current, nav))
            current = entity(nav.target)
            continue
        if seg in ID_NAMES:
            _no_rest(path, i, seg)
            return Resolved(tuple(navs), current, None)
        prop = current.prop_by_name.get(seg)
        if prop is None:
            raise InvalidQuery(
                f"unknown property {seg!r} of {current.name} in {str(path)!r} "
                f"at position {path.pos}"
            )
        rest = segments[i + 1 :]
        if rest and prop.kind not in (Kind.JSON, Kind.RESULT, Kind.GEOMETRY):
            raise InvalidQuery(
                f"{current.name}.{seg} has no member {rest[0]!r} "
                f"(in {str(path)!r} at position {path.pos})"
            )
        return Resolved(tuple(navs), current, prop, tuple(rest))
    raise InvalidQuery(
        f"{str(path)!r} at position {path.pos} ends at a navigation property; name a property of it"
    )


def _no_rest(path: Path, i: int, seg: str) -> None:
    if i != len(path.segments) - 1:
        raise InvalidQuery(f"{seg!r} has no members (in {str(path)!r} at position {path.pos})")


def property_kind(name: str) -> Kind | None:
    """The storage kind of a property name in any entity type (for the evaluator)."""
    from cityops.datamodel.entities import BY_NAME

    kinds = {p.kind for et in BY_NAME.values() for p in et.props if p.name == name}
    if Kind.INTERVAL in kinds:  # resultTime: an instant on Observations
        return Kind.INTERVAL
    return next(iter(kinds), None)
