"""Drop entry's index on skill_id alone: the unique index (skill_id, competitor_number) starts with skill_id
and serves the same look-ups, and every entry inserted paid for both (an import of 10,000 entries: ~5 ms)

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_entry_skill_id", table_name="entry")


def downgrade():
    op.create_index("ix_entry_skill_id", "entry", ["skill_id"], unique=False)
