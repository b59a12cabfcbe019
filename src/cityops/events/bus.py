"""The event bus interface and the in-process bus.

A listener is called with a list of committed events and must be quick (it runs in the
writer thread in-process, in the bus thread with JetStream): it hands them over and returns.
It may return a ``concurrent.futures.Future``: a cluster-wide (``group``) subscription on
JetStream acknowledges the events only when that future is done without error, so a node
that dies before finishing leaves them to be redelivered to another node.

Subscriptions:
- per node (``group=None``): every node's listener sees every commit of the cluster (live
  views, caches, rule reloads);
- cluster-wide (``group="name"``): each commit's events reach exactly one listener of that
  name in the cluster (durable; alert generation, MQTT notifications). ``ordered=True``
  hands them over one batch at a time, in commit order.
In-process there is one node and one listener per group, so both are the store's own
commit listeners.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from cityops.store.base import Store
from cityops.store.writer import Event

Listener = Callable[[list[Event]], "Future[Any] | None"]


class EventBus(Protocol):
    """Where committed events go, and how components subscribe to them."""

    node: str
    clustered: bool

    def subscribe(
        self,
        listener: Listener,
        *,
        group: str | None = None,
        entities: tuple[str, ...] | None = None,
        ordered: bool = False,
    ) -> Callable[[], None]:
        """Call ``listener(events)`` with committed events (of ``entities`` only, if given);
        returns the unsubscribe function."""

    def start(self) -> None:
        """Connect (JetStream) before the workers subscribe."""

    def stop(self) -> None:
        """Disconnect after the workers stopped."""


class InProcessBus:
    """Today's behaviour: the store's commit listeners, in the writer thread."""

    clustered = False

    def __init__(self, store: Store, node: str = "local") -> None:
        self.store, self.node = store, node

    def subscribe(
        self,
        listener: Listener,
        *,
        group: str | None = None,
        entities: tuple[str, ...] | None = None,
        ordered: bool = False,
    ) -> Callable[[], None]:
        wanted = frozenset(entities) if entities is not None else None

        def filtered(events: list[Event]) -> None:  # the writer thread never waits
            mine = events if wanted is None else [e for e in events if e.entity in wanted]
            if mine:
                listener(mine)

        return self.store.subscribe(filtered)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
