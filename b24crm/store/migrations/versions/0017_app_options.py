"""Applications' own settings: app.option.* and user.option.*, and the frame's appOption / userOption.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_options",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("app_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("user_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("value", sa.JSON, nullable=True),
        sa.Column("updated", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_app_options_portal_id_portals", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("portal_id", "app_id", "user_id", "name", name="pk_app_options"),
    )


def downgrade() -> None:
    op.drop_table("app_options")
