"""Stored crm.activity.get answers, and the triggers that drop one whenever its activity row changes.

The triggers are what makes the copy safe: every path that updates or deletes an activity row (the REST
methods, an owner's deletion re-owning its activities, todos, bulk loads, a hand-written SQL statement)
drops the copy with it, in the same transaction, so get never serves an answer older than its row.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DROP = "DELETE FROM crm_activity_answers WHERE portal_id = OLD.portal_id AND activity_id = OLD.id"


def upgrade() -> None:
    op.create_table(
        "crm_activity_answers",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("activity_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("form", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "activity_id", name="pk_crm_activity_answers"),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            ondelete="CASCADE",
            name="fk_crm_activity_answers_portal_id_portals",
        ),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION crm_activity_answers_drop() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_DROP}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER crm_activity_answers_stale AFTER UPDATE OR DELETE ON crm_activities "
            "FOR EACH ROW EXECUTE FUNCTION crm_activity_answers_drop()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER crm_activity_answers_stale_on_{event.lower()} AFTER {event} "
                f"ON crm_activities FOR EACH ROW BEGIN {_DROP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER crm_activity_answers_stale ON crm_activities")
        op.execute("DROP FUNCTION crm_activity_answers_drop()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER crm_activity_answers_stale_on_{event}")
    op.drop_table("crm_activity_answers")
