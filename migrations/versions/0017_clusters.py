"""Clusters: named clusters, moved items, a theme's 'what we heard' (issue 14)

Placeholder in the chain; filled in by the change that needs it (left empty if none does).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 11:30:00

"""

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
