"""Request limits: portals' own plans, the leaky buckets and the operating-time buckets, shared by every
server process through the database; a plan's change bumps the portal's credential generation.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CHANNEL = "b24crm_credentials"  # store/credential_watch.py listens on it


def _portal(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["portal_id"], ["portals.id"], name=f"fk_{table}_portal_id_portals", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "limit_plans",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("plan", sa.String(16), nullable=False),
        sa.Column("drain", sa.Float, nullable=True),
        sa.Column("burst", sa.Integer, nullable=True),
        sa.Column("operating_limit", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("portal_id", name="pk_limit_plans"),
        _portal("limit_plans"),
    )
    op.create_table(
        "limit_buckets",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("level", sa.Float, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("portal_id", "source", name="pk_limit_buckets"),
        _portal("limit_buckets"),
    )
    op.create_table(
        "operating_buckets",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("credential", sa.String(128), nullable=False),
        sa.Column("method", sa.String(255), nullable=False),
        sa.Column("minute", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("opened", sa.Float, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "credential", "method", "minute", name="pk_operating_buckets"),
        _portal("operating_buckets"),
    )
    # A plan's row added, changed or removed: every process drops its cached view of the portal's credentials,
    # with which the plan is kept (rpc/limits.py).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION limit_plans_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE pid integer; BEGIN "
            "IF TG_OP = 'DELETE' THEN pid := OLD.portal_id; ELSE pid := NEW.portal_id; END IF; "
            "UPDATE credential_generations SET value = value + 1 WHERE portal_id = pid; "
            f"PERFORM pg_notify('{CHANNEL}', pid::text); "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER limit_plans_bump AFTER INSERT OR UPDATE OR DELETE ON limit_plans "
            "FOR EACH ROW EXECUTE FUNCTION limit_plans_bump()"
        )
    else:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER limit_plans_bump_{event.lower()} AFTER {event} ON limit_plans FOR EACH ROW "
                "BEGIN UPDATE credential_generations SET value = value + 1 "
                f"WHERE portal_id = {row}.portal_id; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER limit_plans_bump ON limit_plans")
        op.execute("DROP FUNCTION limit_plans_bump()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER limit_plans_bump_{event}")
    op.drop_table("operating_buckets")
    op.drop_table("limit_buckets")
    op.drop_table("limit_plans")
