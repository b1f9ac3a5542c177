"""notification preferences and unsubscribes (issue 16)

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:25:00

"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
