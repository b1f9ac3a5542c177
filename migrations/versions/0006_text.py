"""Finnish and Swedish text analysis: search index (issue 14)

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:20:00

"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
