"""evaluation: records, grade history, photos, signing keys, print jobs, enterprise imports

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # Drafted with autogenerate against an otherwise empty diff, then checked by hand: only the evaluation
    # side's tables and the columns it adds to ``certificate`` (0001 made that table).
    op.create_table('occupation_rule',
    sa.Column('occupation_code', sa.String(length=32), nullable=False),
    sa.Column('occupation_name', sa.String(length=100), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('exam_pass_line', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('occupation_code', name=op.f('pk_occupation_rule'))
    )
    op.create_table('signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('private_key_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['organisation.id'], name=op.f('fk_signing_key_body_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_key')),
    sa.UniqueConstraint('key_id', name=op.f('uq_signing_key_key_id'))
    )
    with op.batch_alter_table('signing_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_key_body_id'), ['body_id'], unique=False)

    op.create_table('enterprise_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['organisation.id'], name=op.f('fk_enterprise_import_body_id_organisation')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_enterprise_import_imported_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_import')),
    sa.UniqueConstraint('body_id', 'sha256', name=op.f('uq_enterprise_import_body_id_sha256'))
    )
    op.create_table('evaluation_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_evaluation_photo_person_id_person')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_evaluation_photo_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_photo'))
    )
    with op.batch_alter_table('evaluation_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_photo_person_id'), ['person_id'], unique=False)

    op.create_table('print_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('reprints', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['organisation.id'], name=op.f('fk_print_job_body_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_print_job_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job'))
    )
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_job_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_job_status'), ['status'], unique=False)

    op.create_table('evaluation_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('route', sa.String(length=32), nullable=False),
    sa.Column('occupation_code', sa.String(length=32), nullable=False),
    sa.Column('occupation_name', sa.String(length=100), nullable=False),
    sa.Column('trade', sa.String(length=100), nullable=True),
    sa.Column('grade_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('theory_score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('practical_score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('pass_line', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.String(length=100), nullable=True),
    sa.Column('rule_description_zh', sa.String(length=300), nullable=True),
    sa.Column('rule_description_en', sa.String(length=300), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('years_in_occupation', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('schooling', sa.JSON(), nullable=False),
    sa.Column('apprenticeship_completed', sa.Boolean(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('eligibility_ok', sa.Boolean(), nullable=False),
    sa.Column('exception_reason', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('import_key', sa.String(length=64), nullable=True),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['organisation.id'], name=op.f('fk_evaluation_record_body_id_organisation')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_evaluation_record_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_evaluation_record_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['grade_code'], ['grade_level.code'], name=op.f('fk_evaluation_record_grade_code_grade_level')),
    sa.ForeignKeyConstraint(['import_id'], ['enterprise_import.id'], name=op.f('fk_evaluation_record_import_id_enterprise_import')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_evaluation_record_person_id_person')),
    sa.ForeignKeyConstraint(['photo_id'], ['evaluation_photo.id'], name=op.f('fk_evaluation_record_photo_id_evaluation_photo')),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_evaluation_record_result_id_result'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_record')),
    sa.UniqueConstraint('import_key', name=op.f('uq_evaluation_record_import_key'))
    )
    with op.batch_alter_table('evaluation_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_record_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_record_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_record_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_record_status'), ['status'], unique=False)

    op.create_table('record_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_record_approval_officer_id_user_account')),
    sa.ForeignKeyConstraint(['record_id'], ['evaluation_record.id'], name=op.f('fk_record_approval_record_id_evaluation_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_approval')),
    sa.UniqueConstraint('record_id', 'officer_id', name=op.f('uq_record_approval_record_id_officer_id'))
    )
    with op.batch_alter_table('record_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_approval_record_id'), ['record_id'], unique=False)

    op.create_table('grade_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('occupation_code', sa.String(length=32), nullable=False),
    sa.Column('occupation_name', sa.String(length=100), nullable=False),
    sa.Column('grade_code', sa.String(length=32), nullable=False),
    sa.Column('obtained_on', sa.Date(), nullable=False),
    sa.Column('route', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('evaluation_record_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_grade_history_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['evaluation_record_id'], ['evaluation_record.id'], name=op.f('fk_grade_history_evaluation_record_id_evaluation_record')),
    sa.ForeignKeyConstraint(['grade_code'], ['grade_level.code'], name=op.f('fk_grade_history_grade_code_grade_level')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_grade_history_person_id_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_grade_history_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_history')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_grade_history_certificate_id'))
    )
    with op.batch_alter_table('grade_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_history_person_id'), ['person_id'], unique=False)

    op.create_table('print_job_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reprint', sa.Boolean(), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_print_job_item_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['job_id'], ['print_job.id'], name=op.f('fk_print_job_item_job_id_print_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job_item')),
    sa.UniqueConstraint('job_id', 'certificate_id', name=op.f('uq_print_job_item_job_id_certificate_id'))
    )
    with op.batch_alter_table('print_job_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_job_item_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_job_item_job_id'), ['job_id'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation_record_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bilingual', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('international_number', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('signing_key_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signature', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('flag_reason', sa.String(length=500), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_evaluation_record_id'), ['evaluation_record_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_international_number'), ['international_number'])
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_replaces_id'), ['replaces_id'])
        batch_op.create_foreign_key(batch_op.f('fk_certificate_replaces_id_certificate'), 'certificate', ['replaces_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_certificate_signing_key_id_signing_key'), 'signing_key', ['signing_key_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_certificate_evaluation_record_id_evaluation_record'), 'evaluation_record', ['evaluation_record_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_certificate_photo_id_evaluation_photo'), 'evaluation_photo', ['photo_id'], ['id'])


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_photo_id_evaluation_photo'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certificate_evaluation_record_id_evaluation_record'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certificate_signing_key_id_signing_key'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certificate_replaces_id_certificate'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_certificate_replaces_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_certificate_international_number'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_certificate_evaluation_record_id'), type_='unique')
        batch_op.drop_column('flag_reason')
        batch_op.drop_column('flagged_at')
        batch_op.drop_column('status_index')
        batch_op.drop_column('signature')
        batch_op.drop_column('signing_key_id')
        batch_op.drop_column('international_number')
        batch_op.drop_column('bilingual')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('photo_id')
        batch_op.drop_column('evaluation_record_id')

    with op.batch_alter_table('print_job_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_job_item_job_id'))
        batch_op.drop_index(batch_op.f('ix_print_job_item_certificate_id'))

    op.drop_table('print_job_item')
    with op.batch_alter_table('grade_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_history_person_id'))

    op.drop_table('grade_history')
    with op.batch_alter_table('record_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_approval_record_id'))

    op.drop_table('record_approval')
    with op.batch_alter_table('evaluation_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_record_status'))
        batch_op.drop_index(batch_op.f('ix_evaluation_record_person_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_record_import_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_record_body_id'))

    op.drop_table('evaluation_record')
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_job_status'))
        batch_op.drop_index(batch_op.f('ix_print_job_body_id'))

    op.drop_table('print_job')
    with op.batch_alter_table('evaluation_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_photo_person_id'))

    op.drop_table('evaluation_photo')
    op.drop_table('enterprise_import')
    with op.batch_alter_table('signing_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_key_body_id'))

    op.drop_table('signing_key')
    op.drop_table('occupation_rule')
