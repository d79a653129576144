"""scoring: sub-criteria, mark history and conflicts, judge sheets, sign-off, corrections, theory, paper

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('judge_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('judge_person_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['judge_person_id'], ['person.id'], name=op.f('fk_judge_sheet_judge_person_id_person')),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_judge_sheet_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judge_sheet')),
    sa.UniqueConstraint('skill_id', 'judge_person_id', name=op.f('uq_judge_sheet_skill_id_judge_person_id'))
    )
    with op.batch_alter_table('judge_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judge_sheet_skill_id'), ['skill_id'], unique=False)

    op.create_table('theory_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_theory_score_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theory_score')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_theory_score_entry_id'))
    )
    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('aspect_id', sa.Integer(), nullable=False),
    sa.Column('judge_person_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aspect_id'], ['aspect.id'], name=op.f('fk_paper_entry_aspect_id_aspect')),
    sa.ForeignKeyConstraint(['clerk_id'], ['user_account.id'], name=op.f('fk_paper_entry_clerk_id_user_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_paper_entry_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_person_id'], ['person.id'], name=op.f('fk_paper_entry_judge_person_id_person')),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_paper_entry_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
    sa.UniqueConstraint('entry_id', 'aspect_id', 'judge_person_id', 'round', name=op.f('uq_paper_entry_entry_id_aspect_id_judge_person_id_round'))
    )
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entry_skill_id'), ['skill_id'], unique=False)

    op.create_table('correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mark_id', sa.Integer(), nullable=False),
    sa.Column('old_value', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('new_value', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('countersigned_by_id', sa.Integer(), nullable=True),
    sa.Column('countersigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['countersigned_by_id'], ['user_account.id'], name=op.f('fk_correction_countersigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['mark_id'], ['mark.id'], name=op.f('fk_correction_mark_id_mark'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_correction_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction'))
    )
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_mark_id'), ['mark_id'], unique=False)

    op.create_table('mark_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mark_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('proposed_value', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('device', sa.String(length=100), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['mark_id'], ['mark.id'], name=op.f('fk_mark_conflict_mark_id_mark'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_mark_conflict_resolved_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mark_conflict'))
    )
    with op.batch_alter_table('mark_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_conflict_mark_id'), ['mark_id'], unique=False)

    op.create_table('mark_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mark_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('new_value', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('device', sa.String(length=100), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_mark_revision_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['mark_id'], ['mark.id'], name=op.f('fk_mark_revision_mark_id_mark'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mark_revision'))
    )
    with op.batch_alter_table('mark_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_revision_mark_id'), ['mark_id'], unique=False)

    with op.batch_alter_table('aspect', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sub_criterion', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sub_criterion_name', sa.String(length=200), nullable=True))

    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marks_locked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('marks_locked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_skill_marks_locked_by_id_user_account'), 'user_account', ['marks_locked_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_skill_marks_locked_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('marks_locked_by_id')
        batch_op.drop_column('marks_locked_at')

    with op.batch_alter_table('aspect', schema=None) as batch_op:
        batch_op.drop_column('sub_criterion_name')
        batch_op.drop_column('sub_criterion')

    with op.batch_alter_table('mark_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_revision_mark_id'))

    op.drop_table('mark_revision')
    with op.batch_alter_table('mark_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_conflict_mark_id'))

    op.drop_table('mark_conflict')
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_mark_id'))

    op.drop_table('correction')
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_entry_skill_id'))

    op.drop_table('paper_entry')
    op.drop_table('theory_score')
    with op.batch_alter_table('judge_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judge_sheet_skill_id'))

    op.drop_table('judge_sheet')
