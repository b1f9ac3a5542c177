"""Insight: duplicate suggestions, merge suggestions, clusters (issue 14)

Left empty for good: databases already passed it when issue 14's tables were written, so they
are in 0016-0018.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 22:50:00

"""

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
