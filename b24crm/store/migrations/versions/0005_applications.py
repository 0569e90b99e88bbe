"""Applications: OAuth codes and tokens, placements, offline events; who triggered an event and where
each delivery goes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _keys(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("portal_id", "id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], ondelete="CASCADE", name=f"fk_{table}_portal_id_portals"
        ),
    ]


def _ids() -> list[sa.Column]:
    return [
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "apps",
        *_ids(),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=False, server_default=""),
        sa.Column("handler_url", sa.String(2048), nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=False),
        sa.Column("scopes", sa.String(1024), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("has_ui", sa.Boolean, nullable=False),
        sa.Column("installed", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("application_token", sa.String(64), nullable=False),
        sa.Column("installed_by", sa.Integer, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        *_keys("apps"),
        sa.UniqueConstraint("client_id", name="uq_apps_client_id"),
    )
    op.create_table(
        "oauth_codes",
        *_ids(),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
        sa.Column("used", sa.Boolean, nullable=False),
        *_keys("oauth_codes"),
        sa.UniqueConstraint("code_digest", name="uq_oauth_codes_code_digest"),
    )
    op.create_table(
        "oauth_tokens",
        *_ids(),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("access_digest", sa.String(64), nullable=False),
        sa.Column("refresh_digest", sa.String(64), nullable=True),
        sa.Column("access_expires", sa.Float, nullable=False),
        sa.Column("refresh_expires", sa.Float, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        *_keys("oauth_tokens"),
        sa.UniqueConstraint("access_digest", name="uq_oauth_tokens_access_digest"),
        sa.UniqueConstraint("refresh_digest", name="uq_oauth_tokens_refresh_digest"),
    )
    op.create_index("ix_oauth_tokens_app", "oauth_tokens", ["portal_id", "app_id"])
    op.create_table(
        "placements",
        *_ids(),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("placement", sa.String(128), nullable=False),
        sa.Column("handler", sa.String(2048), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.String(255), nullable=False, server_default=""),
        sa.Column("description", sa.String(1024), nullable=False, server_default=""),
        sa.Column("group_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("lang_all", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        *_keys("placements"),
        sa.UniqueConstraint("portal_id", "app_id", "placement", "handler", name="uq_placements_binding"),
    )
    op.create_index("ix_placements_app", "placements", ["portal_id", "app_id", "placement"])
    op.create_table(
        "offline_events",
        *_ids(),
        sa.Column("app_id", sa.Integer, nullable=False),
        sa.Column("connector", sa.String(255), nullable=False, server_default=""),
        sa.Column("event", sa.String(128), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("additional", sa.JSON, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("process_id", sa.String(64), nullable=True),
        sa.Column("process_time", sa.Float, nullable=True),
        sa.Column("error", sa.Boolean, nullable=False, server_default=sa.false()),
        *_keys("offline_events"),
    )
    op.create_index(
        "ix_offline_events_queue", "offline_events", ["portal_id", "app_id", "connector", "message_id"]
    )
    with op.batch_alter_table("event_outbox") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
    with op.batch_alter_table("event_handlers") as batch:
        batch.add_column(sa.Column("auth_type", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("offline", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("connector", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("options", sa.JSON, nullable=True))
        batch.create_unique_constraint(
            "uq_event_handlers_binding",
            ["portal_id", "app_id", "event", "url", "auth_type", "connector"],
        )
    with op.batch_alter_table("event_deliveries") as batch:
        batch.add_column(sa.Column("url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("application_token", sa.String(64), nullable=True))
        batch.add_column(sa.Column("app_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
    op.create_index("ix_event_deliveries_handler", "event_deliveries", ["portal_id", "handler_id", "created"])
    _keep_contact_flags()


def _keep_contact_flags() -> None:
    """Leads, contacts and companies keep hasPhone / hasEmail / hasImol from now on (before, the classic
    methods computed them): the flags of the items already there, from their multifields."""
    conn = op.get_bind()
    items = sa.table(
        "crm_items",
        sa.column("portal_id", sa.Integer),
        sa.column("entity_type_id", sa.Integer),
        sa.column("id", sa.Integer),
        sa.column("data", sa.JSON),
    )
    fm = sa.table(
        "crm_multifields",
        sa.column("portal_id", sa.Integer),
        sa.column("entity_type_id", sa.Integer),
        sa.column("item_id", sa.Integer),
        sa.column("type_id", sa.String),
    )
    kinds: dict[tuple[int, int, int], set[str]] = {}
    for row in conn.execute(sa.select(fm.c.portal_id, fm.c.entity_type_id, fm.c.item_id, fm.c.type_id)):
        kinds.setdefault((row[0], row[1], row[2]), set()).add(row[3])
    flags = {"hasPhone": "PHONE", "hasEmail": "EMAIL", "hasImol": "IM"}
    stmt = sa.select(items.c.portal_id, items.c.entity_type_id, items.c.id, items.c.data).where(
        items.c.entity_type_id.in_([1, 3, 4])
    )
    for portal_id, entity_type_id, item_id, data in conn.execute(stmt).all():
        present = kinds.get((portal_id, entity_type_id, item_id), set())
        updated = {**(data or {}), **{name: kind in present for name, kind in flags.items()}}
        conn.execute(
            items.update()
            .where(items.c.portal_id == portal_id, items.c.entity_type_id == entity_type_id)
            .where(items.c.id == item_id)
            .values(data=updated)
        )


def downgrade() -> None:
    op.drop_index("ix_event_deliveries_handler", "event_deliveries")
    with op.batch_alter_table("event_deliveries") as batch:
        for column in ("user_id", "app_id", "application_token", "url"):
            batch.drop_column(column)
    with op.batch_alter_table("event_handlers") as batch:
        batch.drop_constraint("uq_event_handlers_binding", type_="unique")
        for column in ("options", "connector", "offline", "auth_type"):
            batch.drop_column(column)
    with op.batch_alter_table("event_outbox") as batch:
        batch.drop_column("user_id")
    for table in ("offline_events", "placements", "oauth_tokens", "oauth_codes", "apps"):
        op.drop_table(table)
