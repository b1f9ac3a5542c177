"""Duplicate and merge suggestions (issue 14)

Placeholder in the chain; filled in by the change that needs it (left empty if none does).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 11:30:00

"""

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
