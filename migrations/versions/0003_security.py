"""the instance settings store and server-side sessions (issue 11)

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 16:45:00

"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
