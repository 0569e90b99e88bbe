"""The server's clock control: frozen at an instant or running at an offset from the real time, kept in
the database so that every server process on it keeps the same time.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clock_control",
        sa.Column("portal_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("frozen_at", sa.Float, nullable=True),
        sa.Column("offset_seconds", sa.Float, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("portal_id", name="pk_clock_control"),
    )


def downgrade() -> None:
    op.drop_table("clock_control")
