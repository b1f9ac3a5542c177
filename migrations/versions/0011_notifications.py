"""notification preferences, digest items and unsubscribes (issue 16)

- notification_setting: a person's choice per kind (now / digest / off), the digest's frequency,
  when the last digest went, and the one-click "no more mail";
- notification: items waiting for a person's digest;
- mail_opt_out: no more mail about one workspace (the membership stays);
- mail_text: a workspace's own invitation and reminder texts per language;
- theme.created_at and activity.opened_at, for the digest's new themes and newly open activities
  (NULL for what existed before: not new).

Downgrading drops them: everyone is back on the defaults.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:25:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_setting",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reply", sa.String(length=10), nullable=False),
        sa.Column("idea_comment", sa.String(length=10), nullable=False),
        sa.Column("idea_decision", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=10), nullable=False),
        sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_setting_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_setting")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("about", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digested_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_notification_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_user_pending", "notification", ["user_id", "digested_at"])
    op.create_table(
        "mail_opt_out",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_opt_out_user_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_mail_opt_out_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "workspace_id", name=op.f("pk_mail_opt_out")),
    )
    op.create_table(
        "mail_text",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_mail_text_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_mail_text_updated_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("workspace_id", "kind", "language", name=op.f("pk_mail_text")),
    )
    # Plain ALTER TABLE both ways (SQLite has DROP COLUMN since 3.35): a batch drop_column copies
    # theme and activity on SQLite and drops the old ones, which deleted the comments and answers
    # under them (ON DELETE CASCADE).
    op.add_column("theme", sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("activity", sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("activity", "opened_at")
    op.drop_column("theme", "created_at")
    op.drop_table("mail_text")
    op.drop_table("mail_opt_out")
    op.drop_index("ix_notification_user_pending", table_name="notification")
    op.drop_table("notification")
    op.drop_table("notification_setting")
