"""the ballot box for anonymous contributions (issue 12)

- ballot: the pending pool. A request that accepts an anonymous answer, note, comment or idea
  writes one sealed row here (random id, scope, kind, payload, a keyed pseudonym of the person
  used only to count distinct people); `ideaspace.ballot` publishes a scope's pool once it holds
  at least k people, in a transaction of its own, and deletes the rows.
- retired_idea: numbers (ids) of anonymous ideas published again under a new one; only the old
  number is kept, so its old address can say where to look without linking old and new.
- workspace.min_group_size: raised to the floor of 5 where it was lower.
- The anonymous answers, notes, comments and ideas already stored are published again, one batch
  per scope (`ideaspace.ballot.republish`): new random answer keys and new ids handed out in
  shuffled order, every reference rewritten (foreign keys found in the schema: choices, reply
  parents, likes, supports, status history, merged_into, measures' origin idea, reports, quotes;
  the audit log's object ids and id fields in audit details and programme snapshots), one time
  per scope (its latest), answers' units by the cell rule over the units they stored (one answer,
  one person), no unit on notes, comments and ideas (how many people wrote them is not known).
  The old numbers of anonymous ideas go into retired_idea, with nothing saying what they became.

Downgrading drops the two tables (pending ballots are published first, by hand: `ideaspace
publish`; whatever is still pending is lost with the table). The republication itself is one-way:
the old identities are gone by design, and the raised group sizes stay raised.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:45:00

"""

import sqlalchemy as sa
from alembic import op

from ideaspace.ballot.republish import republish

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

K_FLOOR = 5


def upgrade() -> None:
    op.create_table(
        "ballot",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("answer", "note", "comment", "idea", name="ballotkind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("contributor", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_ballot_activity_id_activity"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_ballot_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot")),
    )
    op.create_index("ix_ballot_scope", "ballot", ["workspace_id", "activity_id"])
    op.create_table(
        "retired_idea",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_retired_idea_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_idea")),
    )
    op.create_index(op.f("ix_retired_idea_workspace_id"), "retired_idea", ["workspace_id"])
    op.execute(
        sa.text("UPDATE workspace SET min_group_size = :floor WHERE min_group_size < :floor").bindparams(
            floor=K_FLOOR
        )
    )
    republish(op.get_bind(), K_FLOOR)


def downgrade() -> None:
    op.drop_index(op.f("ix_retired_idea_workspace_id"), table_name="retired_idea")
    op.drop_table("retired_idea")
    op.drop_index("ix_ballot_scope", table_name="ballot")
    op.drop_table("ballot")
