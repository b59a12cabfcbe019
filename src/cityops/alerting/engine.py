"""The hazard engine service: evaluates rules incrementally on each committed ingest batch.

How it runs: ``Store.subscribe`` hands every commit's events to :meth:`Engine._listen`
(in the writer thread: it only queues them). The engine thread drains the queue, merges
the new observations into per-datastream windows, evaluates only the rules that read
those datastreams, folds level changes into incidents (``fold``) and persists them in
one write job, whose commit emits ``Incident`` events (see ``incidents``). Derived values
(heat index, AQI) go to the rule's output datastream through ``store_observations`` in a
second job, so they are ingested - and can be alerted on - like any observation.

A clock: rules that can change level without new data (``Rule.watches_clock``: a sensor
that stopped sending) are also evaluated every ``clock_interval`` seconds with ``now``;
only that evaluation's own sample (at ``now``) is applied, and it does not move the rule's
watermark, so observations that arrive later with earlier times are still evaluated.

Failures stay small: an error in one rule is logged and counted (``stats``, ``errors``)
and never reaches ingest; a rule that cannot run (unit, missing datastream) is listed in
``broken``. Rules are reloaded on ``Rule`` events and, for changes made by other
processes (the CLI), when the rules table changes (checked every ``refresh_interval`` s).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import func, select

from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Event

from .active import ActiveRule, load_active
from .evaluate import Outcome, evaluate, inputs_of
from .incident_store import open_levels
from .persist import Persist
from .windows import Windows, batch_arrays

log = logging.getLogger(__name__)
_STOP = object()
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]


class _Tick(float):
    """A queued request to evaluate the clock-watching rules at this time (epoch s)."""


class _Batch(list[Event]):
    """Events handed over by a partition consumer, with the future it acknowledges on."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__(events)
        self.future: Future[None] = Future()


class _Reown:
    """A queued change of the rules this engine evaluates (cluster: owned partitions)."""

    def __init__(self, owns: Callable[[ActiveRule], bool]) -> None:
        self.owns = owns
        self.future: Future[None] = Future()


class Engine:
    """Rules indexed by datastream, windows of recent data, and the evaluation thread."""

    def __init__(
        self,
        store: Store,
        *,
        refresh_interval: float = 10.0,
        margin: float = 3600.0,
        clock_interval: float = 60.0,
    ) -> None:
        self.store = store
        self.refresh_interval, self.margin = refresh_interval, margin
        self.clock_interval = clock_interval
        self._next_tick = 0.0  # time.monotonic() of the next clock evaluation
        self.rules: dict[int, ActiveRule] = {}
        self.by_datastream: dict[int, set[int]] = defaultdict(set)
        self.broken: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.stats: Counter[str] = Counter()
        self.timing: dict[str, float] = defaultdict(float)  # seconds spent per phase
        self.windows = Windows()
        self.persist = Persist(store)
        self._marks: dict[int, float] = {}
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._cv = threading.Condition()
        self._queued = self._done = 0
        self._signature: tuple[Any, ...] | None = None
        self._thread: threading.Thread | None = None
        self._unsubscribe: Any = None
        # Cluster: which rules this node evaluates (their home partition is owned here);
        # None: all of them. ``catalog`` lists every enabled rule's datastreams (all nodes').
        self.owns: Callable[[ActiveRule], bool] | None = None
        self.catalog: dict[int, frozenset[int]] = {}

    # lifecycle -------------------------------------------------------------------------
    def start(self, subscribe: Callable[[Any], Any] | None = None) -> None:
        """Load the rules, subscribe to commits (by default the store's own; a cluster
        node subscribes to Rule events only and gets observations through ``submit``) and
        start the engine thread."""
        self.reload()
        self._unsubscribe = (subscribe or self.store.subscribe)(self._listen)
        self._thread = threading.Thread(target=self._run, name="cityops-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every commit so far (and what it caused) has been evaluated."""
        for _ in range(20):
            self.store.write_sync(lambda tx: None)  # earlier commits have been published
            with self._cv:
                target = self._queued
                if not self._cv.wait_for(partial(self._reached, target), timeout):
                    return False
                if self._queued == target:
                    return True
        return True

    def tick(self, now: float | None = None) -> None:
        """Evaluate the clock-watching rules at ``now`` (default: the time of evaluation)
        in the engine thread; ``flush`` waits for it."""
        with self._cv:
            self._queued += 1
        self._queue.put(_Tick(time.time() if now is None else now))

    def submit(self, events: list[Event]) -> Future[None]:
        """Evaluate ``events`` (a partition consumer's batch); the future is done when
        the engine's writes for them committed, and fails if the cycle failed."""
        batch = _Batch(events)
        with self._cv:
            self._queued += 1
        self._queue.put(batch)
        return batch.future

    def reown(self, owns: Callable[[ActiveRule], bool]) -> Future[None]:
        """Evaluate from now on the rules ``owns`` accepts: reload them, rebuild the
        windows from the database and restart from the open incidents (engine thread)."""
        item = _Reown(owns)
        self._queue.put(item)
        return item.future

    def _reached(self, target: int) -> bool:
        return self._done >= target

    # rules -------------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)load every enabled rule from the store."""
        with self.store.read() as conn:
            active, broken = load_active(conn)
            self._signature = self._read_signature(conn)
        self.rules, self.broken = {}, dict(broken)
        self.by_datastream = defaultdict(set)
        self.catalog = {a.id: frozenset(a.datastreams) for a in active}
        for a in active:
            if self.owns is None or self.owns(a):
                self._index(a)
        for name, msg in broken.items():
            log.warning("rule %s cannot run: %s", name, msg)
        with self.store.read() as conn:
            self.persist.prime(open_levels(conn), list(self.rules))
        self._marks.clear()

    def _index(self, a: ActiveRule) -> None:
        self.rules[a.id] = a
        for ds in a.datastreams:
            self.by_datastream[ds].add(a.id)
            self.windows.set_keep(ds, self._keep(ds))

    def _keep(self, ds: int) -> float:
        hist = [self.rules[r].rule.history for r in self.by_datastream.get(ds, ())]
        return max(hist, default=0.0) + self.margin

    def _read_signature(self, conn: Any) -> tuple[Any, ...]:
        r = s.rules
        return tuple(conn.execute(select(func.count(), func.max(r.c.updated_at))).one())

    def _reload_one(self, rule_id: int) -> None:
        old = self.rules.pop(rule_id, None)
        for ds in old.datastreams if old else ():
            self.by_datastream[ds].discard(rule_id)
        self.persist.forget(rule_id)
        self._marks.pop(rule_id, None)
        with self.store.read() as conn:
            r = s.rules
            name = conn.execute(select(r.c.name).where(r.c.id == rule_id)).scalar()
            active, broken = load_active(conn, [name]) if name else ([], {})
            self._signature = self._read_signature(conn)
        if old is not None:
            self.broken.pop(old.name, None)
        self.broken.update(broken)
        catalog = {k: v for k, v in self.catalog.items() if k != rule_id}
        for a in active:
            catalog[a.id] = frozenset(a.datastreams)
            if self.owns is None or self.owns(a):
                self._index(a)
        self.catalog = catalog  # replaced, not changed: partition consumers read it

    # the thread ------------------------------------------------------------------------
    def _listen(self, events: list[Event]) -> None:
        """Commit listener (writer thread): queue what concerns the engine, nothing more."""
        mine = [e for e in events if e.entity in ("Observation", "Rule")]
        if mine:
            with self._cv:
                self._queued += 1
            self._queue.put(mine)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self.refresh_interval)
            except queue.Empty:
                self._refresh()
                self._clock()
                continue
            items = [item]
            while not self._queue.empty():
                items.append(self._queue.get_nowait())
            stop = _STOP in items
            for item in items:
                if isinstance(item, _Reown):
                    self._reown(item)
            ticks = [i for i in items if isinstance(i, _Tick)]
            batches = [i for i in items if isinstance(i, list)]
            if any(isinstance(b, _Batch) for b in batches):
                # a cluster: the Rule event of a rule created on another node may arrive
                # after its datastream's next batch; the rules table already has it
                self._refresh()
            failed: Exception | None = None
            failures = self.persist.failures
            try:
                self._process([e for b in batches for e in b])
                for now in ticks:
                    self._evaluate_clock(float(now))
            except Exception as exc:  # never let the thread die
                log.exception("hazard engine cycle failed")
                self.stats["cycle_errors"] += 1
                failed = exc
            ok = failed is None and self.persist.failures == failures
            for b in batches:
                if isinstance(b, _Batch) and not b.future.done():  # cancelled: lease lost
                    with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                        if ok:
                            b.future.set_result(None)
                        else:
                            b.future.set_exception(failed or RuntimeError("engine writes failed"))
            with self._cv:
                self._done += len(batches) + len(ticks)
                self._cv.notify_all()
            if stop:
                return
            self._clock()

    def _reown(self, item: _Reown) -> None:
        try:
            self.owns = item.owns
            self.windows = Windows()
            self.reload()
            item.future.set_result(None)
        except Exception as exc:
            log.exception("hazard engine could not take its partitions")
            item.future.set_exception(exc)

    def _clock(self) -> None:
        """The periodic clock evaluation, when it is due."""
        if self.clock_interval <= 0 or time.monotonic() < self._next_tick:
            return
        self._next_tick = time.monotonic() + self.clock_interval
        try:
            self._evaluate_clock(time.time())
        except Exception:
            log.exception("hazard engine clock failed")
            self.stats["cycle_errors"] += 1

    def _refresh(self) -> None:
        try:
            with self.store.read() as conn:
                changed = self._read_signature(conn) != self._signature
            if changed:
                self.reload()
        except Exception:
            log.exception("rule refresh failed")

    # evaluation ------------------------------------------------------------------------
    def _process(self, events: list[Event]) -> None:
        for e in events:
            if e.entity == "Rule":
                self._reload_one(int(e.id))
        new: dict[int, list[Arrays]] = defaultdict(list)
        for e in events:
            if e.entity == "Observation" and e.kind == "created" and e.id in self.by_datastream:
                new[int(e.id)].append(
                    batch_arrays(e.data["ids"], e.data["times"], e.data["results"])
                )
        if not new:
            return
        self.stats["batches"] += 1
        t0 = time.perf_counter()
        arrays: dict[int, Arrays] = {
            ds: (
                np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]),
            )
            for ds, parts in new.items()
        }
        first_new = self._merge(arrays)
        t1 = time.perf_counter()
        outcomes = self._evaluate_rules(arrays, first_new)
        t2 = time.perf_counter()
        if outcomes:
            self.persist.apply(outcomes)
        self.timing["merge"] += t1 - t0
        self.timing["evaluate"] += t2 - t1
        self.timing["persist"] += time.perf_counter() - t2

    def _merge(self, arrays: dict[int, Arrays]) -> dict[int, float]:
        """Merge the new observations into windows (seeding missing ones)."""
        first_new = {}
        need = set(arrays)
        for ds in arrays:
            for rid in self.by_datastream.get(ds, ()):
                need |= self.rules[rid].datastreams
        self._seed([ds for ds in need if self.windows.get(ds) is None], arrays)
        for ds, (ids, times, values) in arrays.items():
            w = self.windows.get(ds)
            assert w is not None
            w.merge(ids, times, values)
            first_new[ds] = float(times.min())
        return first_new

    def _seed(self, missing: list[int], arrays: dict[int, Arrays] | None = None) -> None:
        """Seed the windows of ``missing`` datastreams from the store, each up to its newest
        observation (in ``arrays`` when new ones just came)."""
        if not missing:
            return
        arrays = arrays or {}
        with self.store.read() as conn:
            newest = {
                ds: float(arrays[ds][1].max()) if ds in arrays else self._latest(conn, ds)
                for ds in missing
            }
            self.windows.seed_many(conn, {ds: self._keep(ds) for ds in missing}, newest)
        self.stats["seeds"] += len(missing)

    def _evaluate_clock(self, now: float) -> None:
        """Evaluate the clock-watching rules at ``now``; apply each one's sample at ``now``
        (not the rest, which the observations' own evaluation covers), marks unchanged.
        Also ends the incidents' cool-downs that passed without new data."""
        self.persist.expire(self.rules, now)
        clocked = [a for a in self.rules.values() if a.rule.watches_clock]
        if not clocked:
            return
        self._seed(
            sorted({ds for a in clocked for ds in a.datastreams if self.windows.get(ds) is None})
        )
        outcomes = []
        for a in clocked:
            try:
                ls = a.rule.levels(
                    inputs_of(
                        a,
                        {
                            ds: self.windows.get(ds)  # type: ignore[misc]
                            for ds in a.datastreams
                        },
                    ),
                    now=now,
                )
            except Exception as exc:  # one bad rule never stops the others
                self.stats["rule_errors"] += 1
                self.errors[a.name] = f"{type(exc).__name__}: {exc}"
                log.exception("rule %s failed on the clock", a.name)
                continue
            if len(ls) and float(ls.times[-1]) == now:
                outcomes.append(Outcome(a, ls.names, ls.times[-1:], ls.levels[-1:], ls.values[-1:]))
        self.stats["ticks"] += 1
        if outcomes:
            self.persist.apply(outcomes)

    def _latest(self, conn: Any, ds: int) -> float:
        """Time of a datastream's newest observation (an input without new data)."""
        d = s.datastreams
        last = conn.execute(select(d.c.last_phenomenon_time).where(d.c.id == ds)).scalar()
        return last.timestamp() if last is not None else 0.0

    def _evaluate_rules(
        self, arrays: dict[int, Arrays], first_new: dict[int, float]
    ) -> list[Outcome]:
        rule_ids = set().union(*(self.by_datastream.get(ds, set()) for ds in arrays))
        outcomes = []
        for rid in sorted(rule_ids):
            a = self.rules[rid]
            try:
                first = min(first_new[ds] for ds in a.datastreams if ds in first_new)
                wins = {ds: self.windows.get(ds) for ds in a.datastreams}
                out = evaluate(a, wins, self._marks.get(rid), first)  # type: ignore[arg-type]
            except Exception as exc:  # one bad rule never stops the others
                self.stats["rule_errors"] += 1
                self.errors[a.name] = f"{type(exc).__name__}: {exc}"
                log.exception("rule %s failed", a.name)
                continue
            self.stats["evaluations"] += 1
            if out is not None:
                self._marks[rid] = float(out.times[-1])
                outcomes.append(out)
        return outcomes
