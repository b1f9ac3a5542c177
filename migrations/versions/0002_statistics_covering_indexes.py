"""indexes the statistics' counts read instead of the rows

The participation statistics count a workspace's answers, comments, notes and supports per
theme, activity and day. These indexes hold every column those counts read, so each count
seeks the workspace's (or activity's, or idea's) entries of one index and never reads the rows:

- respondent (activity_id, answered_on): answers per day;
- idea_support (idea_id, created_at): supports per day;
- comment: ix_comment_workspace_created keeps its (workspace_id, created_at) lead and carries
  hidden_at, withdrawn_at and the four targets after it (a wider index, not one more);
- note: ix_note_workspace_visible (workspace_id, hidden_at, activity_id, created_at) replaces
  ix_note_workspace_id (its first column is the same, so a note insert updates as many indexes).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:05:00

"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COMMENT_COVERING = [
    "workspace_id",
    "created_at",
    "hidden_at",
    "withdrawn_at",
    "theme_id",
    "measure_id",
    "activity_id",
    "idea_id",
]


def upgrade():
    op.create_index("ix_respondent_activity_answered", "respondent", ["activity_id", "answered_on"])
    op.create_index("ix_idea_support_idea_created", "idea_support", ["idea_id", "created_at"])
    op.drop_index("ix_comment_workspace_created", table_name="comment")
    op.create_index("ix_comment_workspace_created", "comment", COMMENT_COVERING)
    op.create_index(
        "ix_note_workspace_visible", "note", ["workspace_id", "hidden_at", "activity_id", "created_at"]
    )
    op.drop_index("ix_note_workspace_id", table_name="note")


def downgrade():
    op.create_index("ix_note_workspace_id", "note", ["workspace_id"])
    op.drop_index("ix_note_workspace_visible", table_name="note")
    op.drop_index("ix_comment_workspace_created", table_name="comment")
    op.create_index("ix_comment_workspace_created", "comment", ["workspace_id", "created_at"])
    op.drop_index("ix_idea_support_idea_created", table_name="idea_support")
    op.drop_index("ix_respondent_activity_answered", table_name="respondent")
