"""Workshops: live updates and demo sessions (issues 15, 17)

Placeholder in the chain; filled in by the change that needs it (left empty if none does).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 11:30:00

"""

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
