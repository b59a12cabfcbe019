"""Identifiers after the WMO OID convention, references, and Update/Cancel/AllClear messages.

An issued alert is never edited: the helpers here return new :class:`Alert` objects whose
``references`` list every earlier message of the chain (oldest first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from cityops.cap.document import format_time, parse_time
from cityops.cap.model import (
    Alert,
    Certainty,
    Info,
    MsgType,
    ResponseType,
    Severity,
    Urgency,
    check_token,
)
from cityops.errors import Conflict, InvalidInput

#: How long an all-clear stays current by default.
ALL_CLEAR_VISIBLE = timedelta(hours=6)
_OID_RE = re.compile(r"^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$")


def make_identifier(oid: str, sent: datetime, seq: int | None = None) -> str:
    """``urn:oid:<oid>.<yyyy>.<m>.<d>.<h>.<m>.<s>[.<seq>]`` from the UTC time of ``sent``.

    Arcs have no leading zeros (OID rule); ``seq`` tells apart messages of the same second.
    """
    if not _OID_RE.match(oid):
        raise InvalidInput(f"{oid!r} is not a dotted OID", field="oid")
    if sent.tzinfo is None or sent.utcoffset() is None:
        raise InvalidInput("time must carry a UTC offset", field="sent")
    t = sent.astimezone(UTC)
    text = f"urn:oid:{oid}.{t.year}.{t.month}.{t.day}.{t.hour}.{t.minute}.{t.second}"
    if seq is not None:
        if seq < 0:
            raise InvalidInput("sequence must be >= 0", field="seq")
        text += f".{seq}"
    return text


@dataclass
class IdentifierFactory:
    """Hands out unique identifiers for one sender and alerting-authority OID.

    Within one process two messages sent in the same second get ``.1``, ``.2`` ... suffixes.
    """

    sender: str
    oid: str
    _last: tuple[str, int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_token(self.sender, "sender")
        make_identifier(self.oid, datetime.now(UTC))  # validates the OID

    def next(self, sent: datetime) -> str:
        """A new identifier for a message sent at ``sent``."""
        base = make_identifier(self.oid, sent)
        if self._last is not None and self._last[0] == base:
            seq = self._last[1] + 1
            self._last = (base, seq)
            return make_identifier(self.oid, sent, seq)
        self._last = (base, 0)
        return base


class Reference(NamedTuple):
    """One ``sender,identifier,sent`` triplet."""

    sender: str
    identifier: str
    sent: datetime


def reference_to(alert: Alert) -> str:
    """The ``sender,identifier,sent`` triplet that refers to ``alert``."""
    return f"{alert.sender},{alert.identifier},{format_time(alert.sent, 'sent')}"


def parse_references(text: str | tuple[str, ...]) -> list[Reference]:
    """Parse a ``references`` value (space-separated triplets) into :class:`Reference` s."""
    items = text.split() if isinstance(text, str) else list(text)
    out = []
    for item in items:
        parts = item.split(",")
        if len(parts) != 3:
            raise InvalidInput(
                f"{item!r} is not a sender,identifier,sent triplet", field="references"
            )
        out.append(Reference(parts[0], parts[1], parse_time(parts[2], "references")))
    return out


def _chain(previous: Alert) -> tuple[str, ...]:
    """References of a follow-up message: earlier references plus ``previous`` itself."""
    if previous.msg_type == MsgType.CANCEL:
        raise Conflict("the alert was cancelled; issue a new Alert instead", field="msg_type")
    refs = list(previous.references)
    own = reference_to(previous)
    if own not in refs:
        refs.append(own)
    return tuple(dict.fromkeys(refs))


def _follow_up(
    previous: Alert,
    identifier: str,
    sent: datetime,
    msg_type: MsgType,
    infos: tuple[Info, ...] | None,
    note: str | None,
) -> Alert:
    if identifier == previous.identifier:
        raise InvalidInput("a follow-up message needs a new identifier", field="identifier")
    if sent < previous.sent:
        raise InvalidInput(
            "a follow-up cannot be sent before the message it references", field="sent"
        )
    return replace(
        previous,
        identifier=identifier,
        sent=sent,
        msg_type=msg_type,
        references=_chain(previous),
        note=note,
        infos=previous.infos if infos is None else tuple(infos),
    )


def make_update(
    previous: Alert,
    identifier: str,
    sent: datetime,
    *,
    infos: tuple[Info, ...] | list[Info] | None = None,
    note: str | None = None,
) -> Alert:
    """A new ``Update`` superseding ``previous`` (its infos kept unless ``infos`` is given)."""
    return _follow_up(
        previous, identifier, sent, MsgType.UPDATE, None if infos is None else tuple(infos), note
    )


def make_cancel(
    previous: Alert, identifier: str, sent: datetime, *, note: str | None = None
) -> Alert:
    """A new ``Cancel`` of ``previous``: same infos, references to the whole chain."""
    return _follow_up(
        previous,
        identifier,
        sent,
        MsgType.CANCEL,
        None,
        note or "This message cancels the earlier alert.",
    )


def make_all_clear(
    previous: Alert,
    identifier: str,
    sent: datetime,
    *,
    infos: tuple[Info, ...] | list[Info] | None = None,
    note: str | None = None,
    expires: datetime | None = None,
) -> Alert:
    """An ``Update`` telling that the threat is over.

    Each info gets responseType ``AllClear``, urgency ``Past``, severity ``Minor`` and
    certainty ``Observed``, and becomes effective at ``sent``; texts are kept unless
    ``infos`` (e.g. drafted with level ``all_clear``) is given. It expires at ``expires``,
    else at the later of the info's own expiry and ``sent`` + :data:`ALL_CLEAR_VISIBLE`.
    """
    base = previous.infos if infos is None else tuple(infos)
    cleared = tuple(
        replace(
            i,
            response_type=(ResponseType.ALL_CLEAR,),
            urgency=Urgency.PAST,
            severity=Severity.MINOR,
            certainty=Certainty.OBSERVED,
            effective=sent,
            expires=expires or max(i.expires or sent, sent + ALL_CLEAR_VISIBLE),
        )
        for i in base
    )
    return _follow_up(previous, identifier, sent, MsgType.UPDATE, cleared, note)
