"""Invitations for thousands and the outbox at scale (issues 16 and 18)

People are listed by name, case-insensitively (the invited list of a workspace, the admin's
users): an index on lower(name) lets the first pages be read in order instead of sorting
thousands of rows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 22:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_user_lower_name", "user", [sa.text("lower(name)"), "id"])


def downgrade() -> None:
    op.drop_index("ix_user_lower_name", table_name="user")
