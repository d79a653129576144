"""世赛选拔 rounds: event.previous_round_id (the round an event starts from) and result.carried (the carried
score a round ranks on when the previous round's scores are carried)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_round_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_event_previous_round_id_event'), 'event',
                                    ['previous_round_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried', sa.Numeric(precision=8, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_column('carried')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_previous_round_id_event'), type_='foreignkey')
        batch_op.drop_column('previous_round_id')
