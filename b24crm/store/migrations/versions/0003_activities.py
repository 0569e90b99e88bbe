"""Activities: their bindings, communications and files; the event outbox and the outgoing-mail log.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _portal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["portal_id"], ["portals.id"], ondelete="CASCADE", name=f"fk_{table}_portal_id_portals"
    )


def upgrade() -> None:
    op.create_table(
        "crm_activities",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
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
        sa.Column("parent_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ping_offsets", sa.JSON, nullable=True),
        sa.Column("file_count", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_activities"),
        _portal_fk("crm_activities"),
    )
    op.create_index(
        "ix_crm_activities_owner", "crm_activities", ["portal_id", "owner_type_id", "owner_id", "id"]
    )
    op.create_index("ix_crm_activities_provider", "crm_activities", ["portal_id", "provider_id", "id"])
    op.create_index(
        "ix_crm_activities_responsible",
        "crm_activities",
        ["portal_id", "responsible_id", "completed", "deadline", "id"],
    )
    op.create_index("ix_crm_activities_start", "crm_activities", ["portal_id", "start_time", "id"])
    op.create_index("ix_crm_activities_updated", "crm_activities", ["portal_id", "last_updated", "id"])
    op.create_table(
        "crm_activity_bindings",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("activity_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("owner_type_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("owner_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(
            "portal_id", "activity_id", "owner_type_id", "owner_id", name="pk_crm_activity_bindings"
        ),
        _portal_fk("crm_activity_bindings"),
    )
    op.create_index(
        "ix_crm_activity_bindings_owner",
        "crm_activity_bindings",
        ["portal_id", "owner_type_id", "owner_id", "activity_id"],
    )
    op.create_table(
        "crm_activity_communications",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("type", sa.String(64), nullable=False, server_default=""),
        sa.Column("value", sa.String(255), nullable=False, server_default=""),
        sa.Column("entity_type_id", sa.Integer, nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False),
        sa.Column("entity_settings", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_activity_communications"),
        _portal_fk("crm_activity_communications"),
    )
    op.create_index(
        "ix_crm_activity_communications_activity", "crm_activity_communications", ["portal_id", "activity_id"]
    )
    op.create_table(
        "crm_activity_files",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_activity_files"),
        _portal_fk("crm_activity_files"),
    )
    op.create_index("ix_crm_activity_files_activity", "crm_activity_files", ["portal_id", "activity_id"])
    op.create_table(
        "crm_activity_reminders",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("offset_minutes", sa.Integer, nullable=False),
        sa.Column("due", sa.Float, nullable=False),
        sa.Column("fired", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_activity_reminders"),
        _portal_fk("crm_activity_reminders"),
    )
    op.create_index(
        "ix_crm_activity_reminders_activity", "crm_activity_reminders", ["portal_id", "activity_id"]
    )
    op.create_index("ix_crm_activity_reminders_due", "crm_activity_reminders", ["fired", "due"])
    op.create_table(
        "event_outbox",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("event", sa.String(128), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_event_outbox"),
        _portal_fk("event_outbox"),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("sender", sa.String(512), nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_type", sa.Integer, nullable=False),
        sa.Column("copy_to_sender", sa.Boolean, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_mail_outbox"),
        _portal_fk("mail_outbox"),
    )


def downgrade() -> None:
    for table in (
        "mail_outbox",
        "event_outbox",
        "crm_activity_reminders",
        "crm_activity_files",
        "crm_activity_communications",
        "crm_activity_bindings",
        "crm_activities",
    ):
        op.drop_table(table)
