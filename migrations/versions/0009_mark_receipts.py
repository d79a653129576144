"""mark_receipt: every client id ever accepted, so that a late copy of an old mark is a duplicate, not a change

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mark_receipt',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('aspect_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge_person_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aspect_id'], ['aspect.id'], name=op.f('fk_mark_receipt_aspect_id_aspect')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_mark_receipt_entry_id_entry'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_person_id'], ['person.id'], name=op.f('fk_mark_receipt_judge_person_id_person')),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_mark_receipt'))
    )
    with op.batch_alter_table('mark_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_receipt_entry_id'), ['entry_id'], unique=False)
    # The marks already stored: their current client ids (earlier ids of re-scored marks were not kept).
    op.execute("INSERT INTO mark_receipt (client_id, aspect_id, entry_id, judge_person_id, value, received_at) "
               "SELECT client_id, aspect_id, entry_id, judge_person_id, value, recorded_at FROM mark")


def downgrade():
    with op.batch_alter_table('mark_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_receipt_entry_id'))
    op.drop_table('mark_receipt')
