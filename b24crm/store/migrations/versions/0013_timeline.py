"""Timeline records other than activities (comments, log messages), their bindings and files, and notes.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _portal(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["portal_id"], ["portals.id"], name=f"fk_{table}_portal_id_portals", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "crm_timeline",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("type_id", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("app_id", sa.Integer, nullable=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("settings", sa.JSON, nullable=True),
        sa.Column("file_count", sa.Integer, nullable=False, server_default="0"),
        _portal("crm_timeline"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_timeline"),
    )
    op.create_index("ix_crm_timeline_type", "crm_timeline", ["portal_id", "type_id", "id"])
    op.create_table(
        "crm_timeline_bindings",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("timeline_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("owner_type_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("owner_id", sa.Integer, nullable=False, autoincrement=False),
        _portal("crm_timeline_bindings"),
        sa.PrimaryKeyConstraint(
            "portal_id", "timeline_id", "owner_type_id", "owner_id", name="pk_crm_timeline_bindings"
        ),
    )
    op.create_index(
        "ix_crm_timeline_bindings_owner",
        "crm_timeline_bindings",
        ["portal_id", "owner_type_id", "owner_id", "timeline_id"],
    )
    op.create_table(
        "crm_timeline_files",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("timeline_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        _portal("crm_timeline_files"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_timeline_files"),
    )
    op.create_index("ix_crm_timeline_files_timeline", "crm_timeline_files", ["portal_id", "timeline_id"])
    op.create_table(
        "crm_notes",
        sa.Column("portal_id", sa.Integer, nullable=False),
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("item_type", sa.Integer, nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_by", sa.Integer, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated_by", sa.Integer, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
        _portal("crm_notes"),
        sa.PrimaryKeyConstraint("portal_id", "id", name="pk_crm_notes"),
        sa.UniqueConstraint(
            "portal_id", "item_type", "item_id", name="uq_crm_notes_portal_id_item_type_item_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("crm_notes")
    op.drop_index("ix_crm_timeline_files_timeline", "crm_timeline_files")
    op.drop_table("crm_timeline_files")
    op.drop_index("ix_crm_timeline_bindings_owner", "crm_timeline_bindings")
    op.drop_table("crm_timeline_bindings")
    op.drop_index("ix_crm_timeline_type", "crm_timeline")
    op.drop_table("crm_timeline")
