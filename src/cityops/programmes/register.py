"""Re-import semantics: merging freshly imported projects into the register (pure).

Publishers re-publish the same activities with updated figures. A re-imported project
replaces the one with the same IATI identifier instead of being added twice. What IATI
does not carry and CityOps users add by hand (cities, milestones, the funding envelope)
is kept from the register when the imported version has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from cityops.programmes.model import Project

LOCAL_FIELDS = ("cities", "milestones", "envelope")


@dataclass(frozen=True)
class MergeResult:
    """The merged register and the keys of the projects added, updated and unchanged."""

    projects: tuple[Project, ...]
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def merge_project(current: Project, imported: Project) -> Project:
    """The imported project, keeping the register's local-only fields it lacks."""
    keep = {
        name: getattr(current, name)
        for name in LOCAL_FIELDS
        if not getattr(imported, name) and getattr(current, name)
    }
    return replace(imported, **keep) if keep else imported


def merge_reimported(register: Sequence[Project], imported: Iterable[Project]) -> MergeResult:
    """Merge imported projects into the register by IATI identifier (update, don't duplicate).

    Projects without an IATI identifier cannot be matched and are added. Within one import
    a later activity with the same identifier wins. Register order is kept; new projects
    come last in import order.
    """
    merged = list(register)
    index = {p.iati_identifier: i for i, p in enumerate(merged) if p.iati_identifier}
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for project in imported:
        position = index.get(project.iati_identifier) if project.iati_identifier else None
        if position is None:
            if project.iati_identifier:
                index[project.iati_identifier] = len(merged)
            merged.append(project)
            added.append(project.key)
            continue
        new = merge_project(merged[position], project)
        if new == merged[position]:
            unchanged.append(project.key)
        elif project.key not in added:
            updated.append(project.key)
        merged[position] = new
    return MergeResult(
        tuple(merged),
        tuple(added),
        tuple(dict.fromkeys(updated)),
        tuple(k for k in dict.fromkeys(unchanged) if k not in updated),
    )
