"""Visual design: brand settings and the front page (issue 17)

Placeholder in the chain; filled in by the change that needs it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:50:00

"""

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
