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

# The portal's credential generation: what every process checks its cache of resolved webhooks and tokens
# against (``store/credential_watch.py``). Triggers (migration 0007) bump it, in the changing transaction,
# whenever a row a cached credential reflects (portal, user, webhook, app, access token) is updated or
# deleted, by whatever path or process; on PostgreSQL they also NOTIFY the other processes. A portal's
# row is made with it and starts at a random number: SQLite may give a deleted portal's ID to the next
# one, whose counter must not meet a cache entry of the old.
credential_generations = sa.Table(
    "credential_generations",
    metadata,
    sa.Column(
        "portal_id",
        sa.Integer,
        sa.ForeignKey("portals.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("value", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,  # read by key on every cached call: one B-tree descent
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

# --- Activities ----------------------------------------------------------------------------------------

# CRM activities (crm.activity.*): one row per activity, the vendor's b_crm_act columns. Datetimes are Unix
# seconds; COMPLETED and IS_INCOMING_CHANNEL are "Y"/"N" as the vendor keeps them.
crm_activities = sa.Table(
    "crm_activities",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner_type_id", sa.Integer, nullable=False),
    sa.Column("owner_id", sa.Integer, nullable=False),
    sa.Column("type_id", sa.Integer, nullable=False),
    sa.Column("provider_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("provider_type_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("provider_group_id", sa.String(100), nullable=True),
    sa.Column("associated_entity_id", sa.Integer, nullable=False, server_default="0"),
    sa.Column("subject", sa.String(512), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("last_updated", sa.Float, nullable=False),
    sa.Column("start_time", sa.Float, nullable=True),
    sa.Column("end_time", sa.Float, nullable=True),
    sa.Column("deadline", sa.Float, nullable=True),
    sa.Column("completed", sa.String(1), nullable=False, server_default="N"),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("responsible_id", sa.Integer, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("notify_type", sa.Integer, nullable=False, server_default="0"),
    sa.Column("notify_value", sa.Integer, nullable=False, server_default="0"),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("description_type", sa.Integer, nullable=False),
    sa.Column("direction", sa.Integer, nullable=False),
    sa.Column("location", sa.String(255), nullable=False, server_default=""),
    sa.Column("settings", sa.JSON, nullable=True),
    sa.Column("originator_id", sa.String(255), nullable=True),
    sa.Column("origin_id", sa.String(255), nullable=True),
    sa.Column("author_id", sa.Integer, nullable=False),
    sa.Column("editor_id", sa.Integer, nullable=False),
    sa.Column("provider_params", sa.JSON, nullable=True),
    sa.Column("provider_data", sa.Text, nullable=True),
    sa.Column("result_mark", sa.Integer, nullable=False, server_default="0"),
    sa.Column("result_value", sa.Float, nullable=True),
    sa.Column("result_sum", sa.Float, nullable=True),
    sa.Column("result_currency_id", sa.String(8), nullable=True),
    sa.Column("result_status", sa.Integer, nullable=False, server_default="0"),
    sa.Column("result_stream", sa.Integer, nullable=False, server_default="0"),
    sa.Column("result_source_id", sa.String(255), nullable=True),
    sa.Column("autocomplete_rule", sa.Integer, nullable=False, server_default="0"),
    sa.Column("is_incoming_channel", sa.String(1), nullable=False, server_default="N"),
    # Not on the wire of crm.activity.*: the parent of a todo, its reminder offsets (minutes), and how many
    # files hang off the activity (so that reads look for them only when there are some).
    sa.Column("parent_id", sa.Integer, nullable=False, server_default="0"),
    sa.Column("ping_offsets", sa.JSON, nullable=True),
    sa.Column("file_count", sa.Integer, nullable=False, server_default="0"),
    # A configurable activity's UI lock, set by a clicked action's animationType and released by
    # crm.activity.configurable.update: {"entry": true} or {"buttons": [keys]}; not on any wire.
    sa.Column("ui_lock", sa.JSON, nullable=True),
    # The default list order (START_TIME ASC), "my open activities by deadline", an owner's timeline, the
    # provider lookups (todo, configurable) and change feeds (>LAST_UPDATED).
    sa.Index("ix_crm_activities_start", "portal_id", "start_time", "id"),
    sa.Index("ix_crm_activities_responsible", "portal_id", "responsible_id", "completed", "deadline", "id"),
    sa.Index("ix_crm_activities_owner", "portal_id", "owner_type_id", "owner_id", "id"),
    sa.Index("ix_crm_activities_provider", "portal_id", "provider_id", "id"),
    sa.Index("ix_crm_activities_updated", "portal_id", "last_updated", "id"),
)

# Every CRM item an activity is bound to (its owner is one of them); ``position`` keeps the vendor's
# insertion order, from which the owner is recomputed.
crm_activity_bindings = sa.Table(
    "crm_activity_bindings",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("activity_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner_type_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_crm_activity_bindings_owner", "portal_id", "owner_type_id", "owner_id", "activity_id"),
)

# The communications of an activity: the phone called, the addresses written to, the person met.
crm_activity_communications = sa.Table(
    "crm_activity_communications",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("activity_id", sa.Integer, nullable=False),
    sa.Column("type", sa.String(64), nullable=False, server_default=""),
    sa.Column("value", sa.String(255), nullable=False, server_default=""),
    sa.Column("entity_type_id", sa.Integer, nullable=False),
    sa.Column("entity_id", sa.Integer, nullable=False),
    sa.Column("entity_settings", sa.JSON, nullable=True),
    sa.Index("ix_crm_activity_communications_activity", "portal_id", "activity_id"),
)

# Files attached to activities; the bytes live on disk under the data directory, at ``path``.
crm_activity_files = sa.Table(
    "crm_activity_files",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("activity_id", sa.Integer, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(255), nullable=False),
    sa.Column("path", sa.String(1024), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Index("ix_crm_activity_files_activity", "portal_id", "activity_id"),
)

# crm.activity.get's answer for an activity, kept encoded: read by key it costs a fraction of reading the
# row's 45 columns and rendering them (bench/README.md). ``form`` names the answer's format and the zone its
# dates were written in. Triggers (migration 0006) drop the copy whenever its activity row is updated or
# deleted, by whatever path, so a copy is never older than its row; without one, get renders the row.
crm_activity_answers = sa.Table(
    "crm_activity_answers",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("activity_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("form", sa.String(64), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sqlite_with_rowid=False,  # the key is the only way in: one B-tree descent instead of two
)

# Reminders of a todo: one row per ping offset, due at the deadline minus the offset; ``fired`` is set when
# the server's clock passes ``due`` (the reminder the responsible user gets).
crm_activity_reminders = sa.Table(
    "crm_activity_reminders",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("activity_id", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("offset_minutes", sa.Integer, nullable=False),
    sa.Column("due", sa.Float, nullable=False),
    sa.Column("fired", sa.Float, nullable=True),
    sa.Index("ix_crm_activity_reminders_activity", "portal_id", "activity_id"),
    sa.Index("ix_crm_activity_reminders_due", "fired", "due"),
)

# --- Events and mail -----------------------------------------------------------------------------------

# The transactional outbox: each change writes its event here in the same transaction (nothing on
# rollback); delivery to handlers reads from it.
event_outbox = sa.Table(
    "event_outbox",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("event", sa.String(128), nullable=False),  # upper case, as handlers receive it
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    # Who made the change: the user whose token an app's handler receives with the event.
    sa.Column("user_id", sa.Integer, nullable=True),
    # The retention purge takes the oldest events of every portal first.
    sa.Index("ix_event_outbox_created", "created"),
)

# Outgoing e-mail: recorded, never sent, for a developer to inspect.
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("activity_id", sa.Integer, nullable=False),
    sa.Column("sender", sa.String(512), nullable=False),
    sa.Column("recipients", sa.JSON, nullable=False),
    sa.Column("subject", sa.String(512), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("body_type", sa.Integer, nullable=False),
    sa.Column("copy_to_sender", sa.Boolean, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)

# Where events go: an outgoing webhook (``b24crm hook-out create``) or, with applications, an app's
# handler. ``application_token`` proves to the handler that the call comes from this portal.
event_handlers = sa.Table(
    "event_handlers",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("event", sa.String(128), nullable=False),  # upper case
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("application_token", sa.String(64), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("app_id", sa.Integer, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    # event.bind's AUTH_TYPE: the user whose token the handler gets; 0 for the user who made the change.
    sa.Column("auth_type", sa.Integer, nullable=False, server_default="0"),
    # Offline handlers have no URL: their events wait in the app's offline queue.
    sa.Column("offline", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("connector", sa.String(255), nullable=False, server_default=""),
    sa.Column("options", sa.JSON, nullable=True),
    sa.Index("ix_event_handlers_event", "portal_id", "event"),
    # One binding per app, event, handler, user and connector (the vendor's checkUniq), also when two
    # binds race; outgoing webhooks (no app) are not unique.
    sa.UniqueConstraint(
        "portal_id", "app_id", "event", "url", "auth_type", "connector", name="uq_event_handlers_binding"
    ),
)

# One row per (event, handler): written with the event, in its transaction, so that nothing committed is
# lost across a restart; the worker sends those whose ``next_attempt`` has come.
event_deliveries = sa.Table(
    "event_deliveries",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("handler_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending, delivered, failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt", sa.Float, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("finished", sa.Float, nullable=True),
    # Where and as whom, taken from the handler when the event is written, so that unbinding a handler or
    # uninstalling its app (which removes the handlers) cannot strand an event already committed.
    sa.Column("url", sa.String(2048), nullable=True),
    sa.Column("application_token", sa.String(64), nullable=True),
    sa.Column("app_id", sa.Integer, nullable=True),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Index("ix_event_deliveries_due", "status", "next_attempt"),
    # ONOFFLINEEVENT's throttle asks when a handler was last sent something.
    sa.Index("ix_event_deliveries_handler", "portal_id", "handler_id", "created"),
    # The retention purge asks whether an event still has a pending delivery, and deletes them by event.
    sa.Index("ix_event_deliveries_event", "portal_id", "event_id"),
)

# Every attempt to deliver, for a developer to read: when, how long, what the handler answered.
event_attempts = sa.Table(
    "event_attempts",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("delivery_id", sa.Integer, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("response", sa.String(512), nullable=True),
    sa.Index("ix_event_attempts_delivery", "portal_id", "delivery_id"),
)

# --- Applications -----------------------------------------------------------------------------------

# Local applications (``b24crm app create``). The client secret is kept as a digest; the application
# token is sent with every event and must be readable, so it is kept as it is.
apps = sa.Table(
    "apps",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("client_id", sa.String(128), nullable=False, unique=True),
    sa.Column("secret_digest", sa.String(64), nullable=False),
    sa.Column("title", sa.String(255), nullable=False, server_default=""),
    sa.Column("handler_url", sa.String(2048), nullable=False),
    sa.Column("redirect_uri", sa.String(2048), nullable=False),
    sa.Column("scopes", sa.String(1024), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("has_ui", sa.Boolean, nullable=False),
    sa.Column("installed", sa.Boolean, nullable=False),  # the install finished (installFinish)
    sa.Column("active", sa.Boolean, nullable=False),  # False once uninstalled
    sa.Column("application_token", sa.String(64), nullable=False),
    sa.Column("installed_by", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)

# Applications' own activity types (crm.activity.type.*): TYPE_ID is unique per application, as the vendor's
# TypeProxy looks it up by (APP_ID, TYPE_ID). The icon's bytes are kept in the row: icons are small, and a row
# goes with its portal without files to clean up.
crm_activity_types = sa.Table(
    "crm_activity_types",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("app_id", sa.Integer, nullable=False),
    sa.Column("type_id", sa.String(100), nullable=False),
    sa.Column("name", sa.String(255), nullable=False, server_default=""),
    sa.Column("is_configurable", sa.Boolean, nullable=False),
    sa.Column("icon_name", sa.String(255)),
    sa.Column("icon", sa.LargeBinary),
    sa.Column("created", sa.Float, nullable=False),
    sa.UniqueConstraint("portal_id", "app_id", "type_id"),
)

# Kanban badges applications declare (crm.activity.badge.*): portal-wide, addressed by code. A title or a
# value is a text or a {language: text} map, kept as JSON and answered as given.
crm_badges = sa.Table(
    "crm_badges",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(255), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.UniqueConstraint("portal_id", "code"),
)

# Additional content blocks applications attach to timeline entries (crm.activity.layout.blocks.*, and for
# other timeline records crm.timeline.layout.blocks.*): one set per (entry, application), replaced whole on
# set. item_kind says what item_id names: 1 an activity, 2 a timeline record.
crm_layout_blocks = sa.Table(
    "crm_layout_blocks",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("item_kind", sa.Integer, nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("app_id", sa.Integer, nullable=False),
    sa.Column("layout", sa.Text, nullable=False),  # the normalized RestAppLayoutDto, as JSON
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.UniqueConstraint("portal_id", "item_kind", "item_id", "app_id"),
    sa.Index("ix_crm_layout_blocks_app", "portal_id", "app_id"),
)

# The portal's own timeline icons and logos (crm.timeline.icon.* / crm.timeline.logo.*, kind 1 / 2), which
# layouts may name besides the system codes; the PNG kept with its row.
crm_timeline_icons = sa.Table(
    "crm_timeline_icons",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("code", sa.String(255), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.UniqueConstraint("portal_id", "kind", "code"),
)

# Timeline records other than activities (the vendor's b_crm_timeline): users' comments and applications'
# log messages, each bound to one or more CRM items (crm_timeline_bindings), with attached files
# (crm_timeline_files). type_id is the vendor's TimelineType of the record; settings holds what a kind
# keeps beside its text (a log message's title, icon and logo codes).
crm_timeline = sa.Table(
    "crm_timeline",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type_id", sa.Integer, nullable=False),
    sa.Column("author_id", sa.Integer, nullable=False),
    sa.Column("app_id", sa.Integer, nullable=True),  # the application that wrote it (log messages)
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("settings", sa.JSON, nullable=True),
    sa.Column("file_count", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_crm_timeline_type", "portal_id", "type_id", "id"),
)

crm_timeline_bindings = sa.Table(
    "crm_timeline_bindings",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("timeline_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner_type_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner_id", sa.Integer, primary_key=True, autoincrement=False),
    # An item's timeline, newest first, and the bindings of an item being deleted.
    sa.Index("ix_crm_timeline_bindings_owner", "portal_id", "owner_type_id", "owner_id", "timeline_id"),
)

crm_timeline_files = sa.Table(
    "crm_timeline_files",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("timeline_id", sa.Integer, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(255), nullable=False),
    sa.Column("width", sa.Integer, nullable=True),  # images only
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("path", sa.String(512), nullable=False),
    sa.Column("author_id", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Index("ix_crm_timeline_files_timeline", "portal_id", "timeline_id"),
)

# Notes pinned to a timeline entry (crm.timeline.note.*): one per (item_type, item_id); item_type 1 is a
# timeline record (a comment), 2 an activity.
crm_notes = sa.Table(
    "crm_notes",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("item_type", sa.Integer, nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_by", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated_by", sa.Integer, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.UniqueConstraint("portal_id", "item_type", "item_id"),
)

# Authorization codes: single use, 30 seconds.
oauth_codes = sa.Table(
    "oauth_codes",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("app_id", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("code_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("expires", sa.Float, nullable=False),
    sa.Column("used", sa.Boolean, nullable=False),
)

# One row per issued token pair; both tokens kept as digests. A refresh consumes the refresh token
# (``refresh_digest`` becomes NULL) and issues a new pair; the old access token lives out its hour.
oauth_tokens = sa.Table(
    "oauth_tokens",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("app_id", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("access_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("refresh_digest", sa.String(64), nullable=True, unique=True),
    sa.Column("access_expires", sa.Float, nullable=False),
    sa.Column("refresh_expires", sa.Float, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Index("ix_oauth_tokens_app", "portal_id", "app_id"),
)

# Widgets: where an app shows itself in the portal's interface (placement.bind).
placements = sa.Table(
    "placements",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
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
    sa.Index("ix_placements_app", "portal_id", "app_id", "placement"),
    sa.UniqueConstraint("portal_id", "app_id", "placement", "handler", name="uq_placements_binding"),
)

# The offline-event queue of each app (event.offline.*): the latest state per object and event, until the
# app reads and clears it.
offline_events = sa.Table(
    "offline_events",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
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
    sa.Index("ix_offline_events_queue", "portal_id", "app_id", "connector", "message_id"),
)

# Pipelines (crm.category.*) of deals and smart processes. A deal's default pipeline is the row with ID 0
# (the vendor keeps it apart from the others, so it never takes a number from the sequence); the others
# number from the portal's ``crm_category`` sequence.
crm_categories = sa.Table(
    "crm_categories",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entity_type_id", sa.Integer, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("sort", sa.Integer, nullable=False),
    sa.Column("is_default", sa.Boolean, nullable=False),
    sa.Column("is_system", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("code", sa.String(255), nullable=False, server_default=""),
    sa.Column("origin_id", sa.String(255), nullable=False, server_default=""),
    sa.Column("originator_id", sa.String(255), nullable=False, server_default=""),
    sa.Index("ix_crm_categories_type", "portal_id", "entity_type_id", "sort"),
)

# The reference lists (crm.status.*): lead statuses, deal and smart-process stages per pipeline, sources,
# contact and company types and the rest, one row per value of a list (``entity_id``).
crm_statuses = sa.Table(
    "crm_statuses",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("status_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("name_init", sa.String(255), nullable=False, server_default=""),
    sa.Column("sort", sa.Integer, nullable=False),
    sa.Column("system", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("category_id", sa.Integer, nullable=True),
    sa.Column("color", sa.String(16), nullable=True),
    sa.Column("semantics", sa.String(1), nullable=True),
    sa.UniqueConstraint("portal_id", "entity_id", "status_id", name="uq_crm_statuses_value"),
)

# Request limits (rpc/limits.py). A portal's own plan; changing it bumps the portal's credential
# generation (migration 0015's triggers), so that every process's cached view of it is dropped at once.
limit_plans = sa.Table(
    "limit_plans",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("plan", sa.String(16), nullable=False),  # off, standard, enterprise
    sa.Column("drain", sa.Float, nullable=True),  # None: the plan's figure
    sa.Column("burst", sa.Integer, nullable=True),
    sa.Column("operating_limit", sa.Float, nullable=True),
)

# The leaky bucket of each portal and source address: its level at ``at``, drained since at the plan's rate.
limit_buckets = sa.Table(
    "limit_buckets",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("level", sa.Float, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("refused", sa.Integer, nullable=False, server_default="0"),  # the last request was refused
)

# Operating time: one-minute buckets per credential and method, each living ten minutes from its first call.
operating_buckets = sa.Table(
    "operating_buckets",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("credential", sa.String(128), primary_key=True),
    sa.Column("method", sa.String(255), primary_key=True),
    sa.Column("minute", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("opened", sa.Float, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
)

# Faults on demand (rpc/faults.py): a portal's rules making matching REST calls fail as integrations meet
# failures. Changing a rule's match or effect bumps the portal's credential generation (migration 0016);
# ``seen`` and ``fired`` count the matching calls and those it failed, and move without a bump.
fault_rules = sa.Table(
    "fault_rules",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("method", sa.String(255), nullable=False, server_default="*"),  # a pattern, lower case
    sa.Column("credential", sa.String(128), nullable=False, server_default=""),  # a credential key, or any
    sa.Column("form", sa.String(16), nullable=False, server_default=""),  # webhook, oauth, or any
    sa.Column("effect", sa.String(32), nullable=False),
    sa.Column("latency_ms", sa.Integer, nullable=False, server_default="0"),
    sa.Column("times", sa.Integer, nullable=True),  # None: every matching call; N: the next N
    sa.Column("probability", sa.Float, nullable=False, server_default="1"),
    sa.Column("seed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
)

# Applications' own settings (app.option.*, user.option.*, BX24.appOption / userOption from a frame): one
# row a name, per application, and per user for a user's options (``user_id`` 0: the application's own).
# The value is kept as the call gave it (JSON), as the vendor keeps a serialized PHP array.
app_options = sa.Table(
    "app_options",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("app_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("value", sa.JSON, nullable=True),
    sa.Column("updated", sa.Float, nullable=False),
)

# The server's clock control (store/clock_control.py): one row, portal_id 0 (the server), when the clock
# is frozen at ``frozen_at`` or runs ``offset_seconds`` from the real time; no row: the real time. No
# foreign key: the row belongs to no portal.
clock_control = sa.Table(
    "clock_control",
    metadata,
    sa.Column("portal_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("frozen_at", sa.Float, nullable=True),
    sa.Column("offset_seconds", sa.Float, nullable=False, server_default="0"),
)

# Faults for event deliveries (events/faults.py): a rule delays or drops the deliveries of the events and
# handler URLs its patterns match; ids are shared with fault_rules, so one id names one rule of either kind.
event_fault_rules = sa.Table(
    "event_fault_rules",
    metadata,
    sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("event", sa.String(255), nullable=False, server_default="*"),  # a pattern, upper case
    sa.Column("handler", sa.String(1024), nullable=False, server_default="*"),  # a URL pattern
    sa.Column("effect", sa.String(32), nullable=False),  # delay or drop
    sa.Column("delay_ms", sa.Integer, nullable=False, server_default="0"),
    sa.Column("times", sa.Integer, nullable=True),
    sa.Column("probability", sa.Float, nullable=False, server_default="1"),
    sa.Column("seed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
)
