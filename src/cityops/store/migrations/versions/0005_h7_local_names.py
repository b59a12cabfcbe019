"""place names per language: organisations.names, alert_areas.names

Revision ID: 0005_h7
Revises: 0005_h6
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_h7"
down_revision = "0005_h6"  # after main's 0005_h5 and 0005_h6 (was 0004)
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # {"vi": "Thành phố Pakse", "lo": "ນະຄອນປາກເຊ"}: the name of a city or warning area in
    # the languages of its alerts (OSM-style name:<lang> on import)
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(sa.Column("names", _JSON, nullable=True))
    with op.batch_alter_table("alert_areas") as batch_op:
        batch_op.add_column(sa.Column("names", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_areas") as batch_op:
        batch_op.drop_column("names")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("names")
