"""the instance settings store and server-side sessions (issue 11)

- instance_setting: what an admin changes at run time (brand colour, sign-in methods, later the
  Word template and the logo), a JSON value or a file with its content type;
- user_session: one row per signed-in browser; the cookie carries a random token, the row its
  SHA-256, who, when created, last seen and last re-authenticated (sudo), and the user agent;
- user.session_nonce goes: ending a person's sessions deletes their rows instead.

Downgrading drops both tables (every session ends, the settings fall back to their defaults) and
gives every person a new nonce.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 16:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_instance_setting_updated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_setting")),
    )
    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sudo_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_session_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_session_last_seen_at"), ["last_seen_at"], unique=False)
    # Plain ALTER TABLE (SQLite has DROP COLUMN since 3.35): batch mode would copy "user" on SQLite.
    op.drop_column("user", "session_nonce")


def downgrade() -> None:
    op.add_column("user", sa.Column("session_nonce", sa.String(length=32), nullable=False, server_default=""))
    # A nonce per person, as the old code expects (the cookies that carried one are long gone).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE \"user\" SET session_nonce = substr(md5(random()::text || id::text), 1, 16)")
    else:
        op.execute("UPDATE \"user\" SET session_nonce = lower(hex(randomblob(8)))")
    # SQLite drops a default only by copying the table: env.py turns foreign keys off for the
    # migrations, so dropping the old "user" deletes no membership and empties no author.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_nonce", server_default=None)
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_last_seen_at"))
        batch_op.drop_index(batch_op.f("ix_user_session_created_at"))
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))
    op.drop_table("user_session")
    op.drop_table("instance_setting")
