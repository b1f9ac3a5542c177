"""the ballot box for anonymous contributions (issue 12)

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:45:00

"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
