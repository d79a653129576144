"""publication (review, 公示, final, scheduled) and appeals; reissue flags on evaluation records

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('results_reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('results_publish_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('results_publicity_ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('results_final_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_skill_results_reviewed_by_id_user_account'), 'user_account',
                                    ['results_reviewed_by_id'], ['id'])
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unresolved_tie', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('criteria', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.alter_column('unresolved_tie', server_default=None)
        batch_op.alter_column('criteria', server_default=None)
    with op.batch_alter_table('evaluation_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('flag_reason', sa.String(length=500), nullable=True))

    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_appeal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_appeal_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_appeal_filed_by_id_user_account')),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_appeal_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal'))
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_skill_id'), ['skill_id'], unique=False)

    op.create_table('appeal_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('mark_id', sa.Integer(), nullable=False),
    sa.Column('old_value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('new_value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('remarked_by_id', sa.Integer(), nullable=True),
    sa.Column('remarked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeal.id'], name=op.f('fk_appeal_mark_appeal_id_appeal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mark_id'], ['mark.id'], name=op.f('fk_appeal_mark_mark_id_mark'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['remarked_by_id'], ['user_account.id'], name=op.f('fk_appeal_mark_remarked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_mark')),
    sa.UniqueConstraint('appeal_id', 'mark_id', name=op.f('uq_appeal_mark_appeal_id_mark_id'))
    )
    with op.batch_alter_table('appeal_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_mark_appeal_id'), ['appeal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_mark_mark_id'), ['mark_id'], unique=False)


def downgrade():
    with op.batch_alter_table('appeal_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_mark_mark_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_mark_appeal_id'))
    op.drop_table('appeal_mark')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_skill_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_entry_id'))
    op.drop_table('appeal')
    with op.batch_alter_table('evaluation_record', schema=None) as batch_op:
        batch_op.drop_column('flag_reason')
        batch_op.drop_column('flagged_at')
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_column('criteria')
        batch_op.drop_column('unresolved_tie')
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_skill_results_reviewed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('results_final_at')
        batch_op.drop_column('results_publicity_ends_at')
        batch_op.drop_column('results_publish_at')
        batch_op.drop_column('results_reviewed_by_id')
        batch_op.drop_column('results_reviewed_at')
