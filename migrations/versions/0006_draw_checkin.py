"""draw and check-in: committed draws and their seats, anonymous codes, admission tickets

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('anonymisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=128), nullable=False),
    sa.Column('layers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reveal_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reveal_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revealed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_anonymisation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['reveal_approved_by_id'], ['user_account.id'], name=op.f('fk_anonymisation_reveal_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['revealed_by_id'], ['user_account.id'], name=op.f('fk_anonymisation_revealed_by_id_user_account')),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_anonymisation_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymisation')),
    sa.UniqueConstraint('skill_id', name=op.f('uq_anonymisation_skill_id'))
    )
    op.create_table('skill_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('commitment', sa.String(length=64), nullable=False),
    sa.Column('seed', sa.String(length=128), nullable=False),
    sa.Column('entry_ids', sa.JSON(), nullable=False),
    sa.Column('lots', sa.JSON(), nullable=False),
    sa.Column('stations', sa.JSON(), nullable=False),
    sa.Column('sessions', sa.JSON(), nullable=False),
    sa.Column('number_prefix', sa.String(length=8), nullable=False),
    sa.Column('number_width', sa.Integer(), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('committed_by_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committed_by_id'], ['user_account.id'], name=op.f('fk_skill_draw_committed_by_id_user_account')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user_account.id'], name=op.f('fk_skill_draw_drawn_by_id_user_account')),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_skill_draw_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_draw'))
    )
    with op.batch_alter_table('skill_draw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_draw_skill_id'), ['skill_id'], unique=False)

    op.create_table('admission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['user_account.id'], name=op.f('fk_admission_checked_in_by_id_user_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_admission_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_admission_person_id_person')),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_admission_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission')),
    sa.UniqueConstraint('code', name=op.f('uq_admission_code')),
    sa.UniqueConstraint('entry_id', 'person_id', name=op.f('uq_admission_entry_id_person_id'))
    )
    with op.batch_alter_table('admission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_skill_id'), ['skill_id'], unique=False)

    op.create_table('draw_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.Integer(), nullable=False),
    sa.Column('draw_position', sa.Integer(), nullable=False),
    sa.Column('competitor_number', sa.String(length=16), nullable=False),
    sa.Column('station', sa.String(length=32), nullable=False),
    sa.Column('session', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['draw_id'], ['skill_draw.id'], name=op.f('fk_draw_seat_draw_id_skill_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_draw_seat_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draw_seat')),
    sa.UniqueConstraint('draw_id', 'entry_id', name=op.f('uq_draw_seat_draw_id_entry_id'))
    )
    with op.batch_alter_table('draw_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draw_seat_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_draw_seat_entry_id'), ['entry_id'], unique=False)

    op.create_table('entry_code',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('outer_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_code_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_entry_code_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_entry_code')),
    sa.UniqueConstraint('skill_id', 'outer_code', name=op.f('uq_entry_code_skill_id_outer_code'))
    )
    with op.batch_alter_table('entry_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_code_skill_id'), ['skill_id'], unique=False)



def downgrade():
    with op.batch_alter_table('entry_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_code_skill_id'))

    op.drop_table('entry_code')
    with op.batch_alter_table('draw_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draw_seat_entry_id'))
        batch_op.drop_index(batch_op.f('ix_draw_seat_draw_id'))

    op.drop_table('draw_seat')
    with op.batch_alter_table('admission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_skill_id'))

    op.drop_table('admission')
    with op.batch_alter_table('skill_draw', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_draw_skill_id'))

    op.drop_table('skill_draw')
    op.drop_table('anonymisation')
