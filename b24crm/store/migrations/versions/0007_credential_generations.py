"""Credential generations: a per-portal counter that triggers bump whenever a row a cached credential
reflects changes, so that every process's cache of resolved webhooks and tokens learns of it at once.

Triggers rather than calls in the services: a user deactivated, a webhook deleted, an app uninstalled or
its tokens ended by any path (another process, a command-line tool, a method added later, plain SQL)
bumps the counter in its own transaction, so no path can be forgotten. Only updates and deletions count:
a new row cannot be in anybody's cache. A refresh grant (which only spends ``refresh_digest``) and the
refresh token's expiry leave the access credential as it was, so they do not invalidate the caches.

On PostgreSQL the trigger also sends ``NOTIFY b24crm_credentials`` with the portal's ID: delivered at
commit to every process's listener, which spares a query on each cached call there. Notifications with
the same payload in one transaction are delivered once, so a mass deletion sends one per portal.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHANNEL = "b24crm_credentials"  # store/credential_watch.py listens on it

# (table, the column naming the portal, the columns whose update matters; None: any column)
WATCHED: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("portals", "id", None),
    ("users", "portal_id", None),
    ("webhooks", "portal_id", None),
    ("apps", "portal_id", None),
    ("oauth_tokens", "portal_id", ("portal_id", "app_id", "user_id", "access_digest", "access_expires")),
)

# A random start (below 2**62, so that bumps never overflow): see the table's comment in tables.py.
_SQLITE_START = "abs(random() % 4611686018427387904)"
_PG_START = "floor(random() * 4611686018427387904)::bigint"


def upgrade() -> None:
    op.create_table(
        "credential_generations",
        sa.Column("portal_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", name="pk_credential_generations"),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            ondelete="CASCADE",
            name="fk_credential_generations_portal_id_portals",
        ),
        sqlite_with_rowid=False,
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    start = _PG_START if postgres else _SQLITE_START
    op.execute(f"INSERT INTO credential_generations (portal_id, value) SELECT id, {start} FROM portals")
    if postgres:
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _postgres_triggers() -> None:
    op.execute(
        "CREATE FUNCTION credential_generations_start() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO credential_generations (portal_id, value) VALUES (NEW.id, {_PG_START}); "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER credential_generations_start AFTER INSERT ON portals "
        "FOR EACH ROW EXECUTE FUNCTION credential_generations_start()"
    )
    # The portal is OLD.id on portals and OLD.portal_id elsewhere; a row's portal never changes.
    op.execute(
        "CREATE FUNCTION credential_generations_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE pid integer; BEGIN "
        "IF TG_TABLE_NAME = 'portals' THEN pid := OLD.id; ELSE pid := OLD.portal_id; END IF; "
        "UPDATE credential_generations SET value = value + 1 WHERE portal_id = pid; "
        f"PERFORM pg_notify('{CHANNEL}', pid::text); "
        "RETURN NULL; END $$"
    )
    for table, _column, columns in WATCHED:
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        op.execute(
            f"CREATE TRIGGER credential_generations_bump AFTER {update} OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION credential_generations_bump()"
        )


def _sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER credential_generations_start AFTER INSERT ON portals FOR EACH ROW BEGIN "
        f"INSERT INTO credential_generations (portal_id, value) VALUES (NEW.id, {_SQLITE_START}); END"
    )
    for table, column, columns in WATCHED:
        bump = f"UPDATE credential_generations SET value = value + 1 WHERE portal_id = OLD.{column}"
        for event in ("UPDATE", "DELETE"):
            of = f" OF {', '.join(columns)}" if columns and event == "UPDATE" else ""
            op.execute(
                f"CREATE TRIGGER credential_generations_bump_{table}_{event.lower()} AFTER {event}{of} "
                f"ON {table} FOR EACH ROW BEGIN {bump}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _column, _columns in WATCHED:
            op.execute(f"DROP TRIGGER credential_generations_bump ON {table}")
        op.execute("DROP TRIGGER credential_generations_start ON portals")
        op.execute("DROP FUNCTION credential_generations_bump()")
        op.execute("DROP FUNCTION credential_generations_start()")
    else:
        for table, _column, _columns in WATCHED:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER credential_generations_bump_{table}_{event}")
        op.execute("DROP TRIGGER credential_generations_start")
    op.drop_table("credential_generations")
