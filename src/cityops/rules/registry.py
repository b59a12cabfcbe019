"""Rule types by name, from the ``cityops.rules`` entry-point group (see ``cityops.plugins``).

The built-in types and plugins are found the same way; a plugin declares, in its
``pyproject.toml``::

    [project.entry-points."cityops.rules"]
    my_rule = "my_package.rules:MyRule"     # a Rule subclass with type_name = "my_rule"
"""

from __future__ import annotations

from cityops.plugins import PluginGroup

from .base import Rule


def _is_rule_type(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Rule)


#: Rule types: name -> Rule subclass.
rule_types: PluginGroup[type[Rule]] = PluginGroup("cityops.rules", "rule type", _is_rule_type)


def get(name: str) -> type[Rule]:
    """The Rule subclass registered as ``name`` (``InvalidInput`` on field "type" if unknown)."""
    return rule_types.get(name)


def names() -> list[str]:
    """Names of all rule types."""
    return rule_types.names()
