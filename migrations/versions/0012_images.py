"""images (issue 18): covers of workspaces and themes, pictures of ideas

- image: one per owner ("workspace:<id>", "theme:<id>", "idea:<id>"; unique), its alt text per
  language and the largest variant's size;
- image_variant: each size's WebP bytes and ETag (the SHA-256 of the bytes).

Downgrading drops both tables, and with them every image.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:25:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("alt", sa.JSON(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_image_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_image_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_image_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_image_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image")),
        sa.UniqueConstraint("owner", name=op.f("uq_image_owner")),
    )
    op.create_index(op.f("ix_image_workspace_id"), "image", ["workspace_id"])
    op.create_index(op.f("ix_image_theme_id"), "image", ["theme_id"])
    op.create_index(op.f("ix_image_idea_id"), "image", ["idea_id"])
    op.create_table(
        "image_variant",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"], ["image.id"], name=op.f("fk_image_variant_image_id_image"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("image_id", "size", name=op.f("pk_image_variant")),
    )


def downgrade() -> None:
    op.drop_table("image_variant")
    op.drop_index(op.f("ix_image_idea_id"), table_name="image")
    op.drop_index(op.f("ix_image_theme_id"), table_name="image")
    op.drop_index(op.f("ix_image_workspace_id"), table_name="image")
    op.drop_table("image")
