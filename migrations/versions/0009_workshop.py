"""live workshop sessions (issue 15)

- workshop: a live session of a theme for a unit, its join code, pace and expiry;
- workshop_step: the activities it runs, in order;
- workshop_guest: a device that joined with the code (no account);
- workshop_response: that a guest device answered an activity (once; no answer, no time);
- workshop_post: guests' notes on named walls, held for approval when the session says so.

Downgrading drops them (the answers and notes they led to stay in answer/note).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "workshop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column(
            "status",
            sa.Enum("live", "ended", name="workshopstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("answering_open", sa.Boolean(), nullable=False),
        sa.Column("results_revealed", sa.Boolean(), nullable=False),
        sa.Column("premoderate", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        _fk("workshop", "workspace_id", "workspace", "CASCADE"),
        _fk("workshop", "theme_id", "theme", "CASCADE"),
        _fk("workshop", "unit_id", "unit", "SET NULL"),
        _fk("workshop", "facilitator_id", "user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop")),
        sa.UniqueConstraint("code", name=op.f("uq_workshop_code")),
    )
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.create_index("ix_workshop_workspace_created", ["workspace_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_theme_id"), ["theme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_facilitator_id"), ["facilitator_id"], unique=False)

    op.create_table(
        "workshop_step",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        _fk("workshop_step", "workshop_id", "workshop", "CASCADE"),
        _fk("workshop_step", "activity_id", "activity", "CASCADE"),
        sa.PrimaryKeyConstraint("workshop_id", "position", name=op.f("pk_workshop_step")),
    )
    with op.batch_alter_table("workshop_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_step_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "workshop_guest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("contributed", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        _fk("workshop_guest", "workshop_id", "workshop", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_guest")),
    )
    with op.batch_alter_table("workshop_guest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_guest_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "workshop_response",
        sa.Column("guest_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        _fk("workshop_response", "guest_id", "workshop_guest", "CASCADE"),
        _fk("workshop_response", "activity_id", "activity", "CASCADE"),
        sa.PrimaryKeyConstraint("guest_id", "activity_id", name=op.f("pk_workshop_response")),
    )
    with op.batch_alter_table("workshop_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_response_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "workshop_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("guest_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("text", sa.String(length=280), nullable=False),
        sa.Column(
            "status",
            sa.Enum("held", "approved", "rejected", name="poststatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note_id", sa.Integer(), nullable=True),
        _fk("workshop_post", "workshop_id", "workshop", "CASCADE"),
        _fk("workshop_post", "activity_id", "activity", "CASCADE"),
        _fk("workshop_post", "guest_id", "workshop_guest", "SET NULL"),
        _fk("workshop_post", "decided_by_id", "user", "SET NULL"),
        _fk("workshop_post", "note_id", "note", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_post")),
        sa.UniqueConstraint("note_id", name=op.f("uq_workshop_post_note_id")),
    )
    with op.batch_alter_table("workshop_post", schema=None) as batch_op:
        batch_op.create_index("ix_workshop_post_workshop_status", ["workshop_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_post_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_post_guest_id"), ["guest_id"], unique=False)


def downgrade() -> None:
    op.drop_table("workshop_post")
    op.drop_table("workshop_response")
    op.drop_table("workshop_guest")
    op.drop_table("workshop_step")
    op.drop_table("workshop")
