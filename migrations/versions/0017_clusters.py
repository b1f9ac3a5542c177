"""Clusters: named clusters, moved items, a theme's 'what we heard' (issue 14)

`cluster_cache` keeps a scope's last clustering while its content is unchanged; `cluster_name` and
`cluster_move` keep a moderator's names and moves, keyed by items so they outlive a recomputation;
`theme_heard` is a theme's "what we heard" in the programme draft.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 11:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspace.id"],
        name=op.f(f"fk_{table}_workspace_id_workspace"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "cluster_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("fingerprint", sa.String(length=80), nullable=False),
        sa.Column("clusters", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _workspace_fk("cluster_cache"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_cache")),
        sa.UniqueConstraint("workspace_id", "scope", name=op.f("uq_cluster_cache_workspace_id_scope")),
    )
    op.create_table(
        "cluster_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("anchor", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        _workspace_fk("cluster_name"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_name")),
        sa.UniqueConstraint(
            "workspace_id", "scope", "anchor", name=op.f("uq_cluster_name_workspace_id_scope_anchor")
        ),
    )
    op.create_table(
        "cluster_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("item", sa.String(length=24), nullable=False),
        sa.Column("anchor", sa.String(length=24), nullable=False),
        _workspace_fk("cluster_move"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_move")),
        sa.UniqueConstraint(
            "workspace_id", "scope", "item", name=op.f("uq_cluster_move_workspace_id_scope_item")
        ),
    )
    op.create_table(
        "theme_heard",
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("summary_source", sa.Text(), nullable=False),
        sa.Column("summary_html", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_theme_heard_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_theme_heard_updated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("theme_id", name=op.f("pk_theme_heard")),
    )


def downgrade() -> None:
    for table in ("theme_heard", "cluster_move", "cluster_name", "cluster_cache"):
        op.drop_table(table)
