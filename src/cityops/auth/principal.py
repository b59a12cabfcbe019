"""Who is asking: the principal every service call carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Roles, from most to least powerful."""

    ADMIN = "admin"  # everything, every organisation
    CITY_ADMIN = "city_admin"  # everything in its organisation
    OPERATOR = "operator"  # incidents and alerts of its organisation; reads it
    ANALYST = "analyst"  # reads its organisation
    #: reads the whole programme register, edits the projects its organisation takes part
    #: in (as a funder, implementer or other participant); nothing else beyond public data
    PROGRAMME_OFFICER = "prog_officer"
    DEVICE = "device"  # writes observations to the datastreams of its things
    PUBLIC = "public"  # anonymous: reads what is public


@dataclass(frozen=True)
class Principal:
    role: Role
    name: str
    org_id: int | None = None
    user_id: int | None = None
    token_id: int | None = None
    thing_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_anonymous(self) -> bool:
        return self.role is Role.PUBLIC


ANONYMOUS = Principal(Role.PUBLIC, "anonymous")
SYSTEM = Principal(Role.ADMIN, "system")  # the CLI, importers and the hazard engine
