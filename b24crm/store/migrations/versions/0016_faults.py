"""Faults on demand: a portal's rules making matching REST calls fail; a change of a rule's match or
effect bumps the portal's credential generation, the counters of matching and failed calls do not.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CHANNEL = "b24crm_credentials"  # store/credential_watch.py listens on it
WATCHED = "method, credential, form, effect, latency_ms, times, probability, seed"


def upgrade() -> None:
    op.create_table(
        "fault_rules",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("method", sa.String(255), nullable=False, server_default="*"),
        sa.Column("credential", sa.String(128), nullable=False, server_default=""),
        sa.Column("form", sa.String(16), nullable=False, server_default=""),
        sa.Column("effect", sa.String(32), nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("times", sa.Integer, nullable=True),
        sa.Column("probability", sa.Float, nullable=False, server_default="1"),
        sa.Column("seed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_fault_rules"),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_fault_rules_portal_id_portals", ondelete="CASCADE"
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION fault_rules_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE pid integer; BEGIN "
            "IF TG_OP = 'DELETE' THEN pid := OLD.portal_id; ELSE pid := NEW.portal_id; END IF; "
            "UPDATE credential_generations SET value = value + 1 WHERE portal_id = pid; "
            f"PERFORM pg_notify('{CHANNEL}', pid::text); "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER fault_rules_bump AFTER INSERT OR UPDATE OF {WATCHED} OR DELETE ON fault_rules "
            "FOR EACH ROW EXECUTE FUNCTION fault_rules_bump()"
        )
    else:
        for event, row in (("INSERT", "NEW"), (f"UPDATE OF {WATCHED}", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER fault_rules_bump_{event.split()[0].lower()} AFTER {event} ON fault_rules "
                "FOR EACH ROW BEGIN UPDATE credential_generations SET value = value + 1 "
                f"WHERE portal_id = {row}.portal_id; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER fault_rules_bump ON fault_rules")
        op.execute("DROP FUNCTION fault_rules_bump()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER fault_rules_bump_{event}")
    op.drop_table("fault_rules")
