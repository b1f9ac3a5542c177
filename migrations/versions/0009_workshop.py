"""live workshop sessions (issue 15)

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:20:00

"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
