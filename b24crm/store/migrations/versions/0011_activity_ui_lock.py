"""The UI lock of a configurable activity: what a clicked ``restEvent`` action's ``animationType`` locked
(the whole entry, or some buttons), held until the application updates the activity.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild of the table would drop the triggers of 0006 on SQLite.
    op.add_column("crm_activities", sa.Column("ui_lock", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_activities") as batch:
        batch.drop_column("ui_lock")
