"""the moderation queue's "marked reviewed" lookup (issue 18, item 4)

Bulk moderation marks items reviewed with a `content.reviewed` audit entry on each; the queue asks,
for every new item, whether such an entry exists: an index on (action, object_type, object_id).
(The placeholder was reserved for the programme document, issue 13, which needed no schema change.)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:45:00

"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.create_index("ix_audit_log_action_object", ["action", "object_type", "object_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_index("ix_audit_log_action_object")
