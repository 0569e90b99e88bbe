"""The schema, as SQLAlchemy Core tables. Every table carries ``portal_id``: a query without it is a bug.

Alembic migrations under ``migrations/versions`` create exactly this; ``tests/test_store.py`` fails when the
two drift apart.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

portals = sa.Table(
    "portals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("domain", sa.String(255), nullable=False, unique=True),
    sa.Column("member_id", sa.String(32), nullable=False, unique=True),
    sa.Column("title", sa.String(255), nullable=False, server_default=""),
    sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Per-portal counters, so that a portal's first activity (user, webhook, ...) is ID 1.
sequences = sa.Table(
    "sequences",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(255), nullable=False, server_default=""),
    sa.Column("last_name", sa.String(255), nullable=False, server_default=""),
    sa.Column("email", sa.String(255), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("gender", sa.String(1), nullable=False, server_default=""),
    sa.Column("time_zone", sa.String(64), nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    # SHA-256 of the secret code: unique across portals, since the code alone identifies the portal.
    sa.Column("code_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("title", sa.String(255), nullable=False, server_default=""),
    sa.Column("scopes", sa.String(1024), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.ForeignKeyConstraint(["portal_id", "user_id"], ["users.portal_id", "users.id"], ondelete="CASCADE"),
)

# --- CRM -----------------------------------------------------------------------------------------------

# Smart-process types (crm.type.*). ``id`` is the type's own ID, ``entity_type_id`` the one items use.
crm_types = sa.Table(
    "crm_types",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entity_type_id", sa.Integer, nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("code", sa.String(255), nullable=False, server_default=""),
    sa.Column("settings", sa.JSON, nullable=False),  # the is*Enabled flags, relations, linkedUserFields
    sa.Column("created_by", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.Integer, nullable=False),
    sa.Column("created_time", sa.Float, nullable=False),
    sa.Column("updated_time", sa.Float, nullable=False),
    sa.UniqueConstraint("portal_id", "entity_type_id"),
)

# Every CRM item of every type: leads, deals, contacts, companies, quotes, smart invoices, smart processes.
# The fields every type filters and sorts on are columns (indexed where lists need them); the rest of a
# type's fields live in ``data``, whose keys are the camelCase field names.
crm_items = sa.Table(
    "crm_items",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("entity_type_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("title", sa.String(255), nullable=True),
    sa.Column("assigned_by_id", sa.Integer, nullable=True),
    sa.Column("created_by", sa.Integer, nullable=True),
    sa.Column("updated_by", sa.Integer, nullable=True),
    sa.Column("created_time", sa.Float, nullable=False),
    sa.Column("updated_time", sa.Float, nullable=False),
    sa.Column("opened", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("category_id", sa.Integer, nullable=True),
    sa.Column("stage_id", sa.String(64), nullable=True),
    sa.Column("company_id", sa.Integer, nullable=True),
    sa.Column("contact_id", sa.Integer, nullable=True),
    sa.Column("opportunity", sa.Float, nullable=True),
    sa.Column("currency_id", sa.String(8), nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Index("ix_crm_items_assigned", "portal_id", "entity_type_id", "assigned_by_id", "id"),
    sa.Index("ix_crm_items_stage", "portal_id", "entity_type_id", "stage_id", "id"),
    sa.Index("ix_crm_items_created", "portal_id", "entity_type_id", "created_time", "id"),
    sa.Index("ix_crm_items_updated", "portal_id", "entity_type_id", "updated_time", "id"),
    sa.Index("ix_crm_items_company", "portal_id", "entity_type_id", "company_id", "id"),
    sa.Index("ix_crm_items_contact", "portal_id", "entity_type_id", "contact_id", "id"),
)

# Phones, e-mails, web sites and messengers of leads, contacts and companies (the "fm" field).
crm_multifields = sa.Table(
    "crm_multifields",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entity_type_id", sa.Integer, nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("type_id", sa.String(16), nullable=False),  # PHONE, EMAIL, WEB, IM, LINK
    sa.Column("value_type", sa.String(32), nullable=False),  # WORK, MOBILE, HOME, ...
    sa.Column("value", sa.String(255), nullable=False),
    sa.Index("ix_crm_multifields_item", "portal_id", "entity_type_id", "item_id"),
    sa.Index("ix_crm_multifields_value", "portal_id", "type_id", "value"),
)

# CRM roles: per entity type and action (read, add, edit, delete) a level: "" (none), "own", "all".
crm_roles = sa.Table(
    "crm_roles",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("permissions", sa.JSON, nullable=False),
)

crm_user_roles = sa.Table(
    "crm_user_roles",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("role_id", sa.Integer, primary_key=True, autoincrement=False),
)
