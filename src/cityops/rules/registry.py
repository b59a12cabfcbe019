"""A small name -> class registry, shared by built-in rule types and plugins.

The same class serves notification channels and storage backends: each layer keeps
its own ``Registry`` instance. A plugin registers with the decorator::

    from cityops.rules import register

    @register("my_rule")
    class MyRule(Rule): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from cityops.errors import InvalidInput

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to classes (or factories). Names are unique; re-registering the same
    object under the same name is allowed (module reloads), another object is not."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T | None = None) -> Callable[[T], T] | T:
        """Register ``item`` under ``name``; without ``item``, return a decorator."""
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"invalid {self.kind} name {name!r}")

        def add(obj: T) -> T:
            if self._items.get(name, obj) is not obj:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._items[name] = obj
            return obj

        return add if item is None else add(item)

    def get(self, name: str) -> T:
        """The item registered under ``name``; ``InvalidInput`` (field "type") if unknown."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise InvalidInput(
                f"unknown {self.kind} {name!r} (known: {known})", field="type"
            ) from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items


#: The registry of rule types (name -> Rule subclass). Built-in types register on import
#: of ``cityops.rules``; plugins call :func:`register` the same way.
rule_types: Registry[type] = Registry("rule type")


def register(name: str) -> Callable[[type], type]:
    """Class decorator registering a Rule subclass under ``name``."""
    return rule_types.register(name)


def get(name: str) -> type:
    """The Rule subclass registered as ``name`` (``InvalidInput`` on field "type" if unknown)."""
    return rule_types.get(name)


def names() -> list[str]:
    """Names of all registered rule types."""
    return rule_types.names()
