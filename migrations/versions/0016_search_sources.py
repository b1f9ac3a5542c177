"""Search: themes, measures and quotes in the search index (issue 14)

Placeholder in the chain; filled in by the change that needs it (left empty if none does).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 11:30:00

"""

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
