"""cache_version: one row whose counter invalidates the marking checks cached between requests

Revision ID: 0008
Revises: 0007
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('n', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_version'))
    )
    cache_version = sa.table("cache_version", sa.column("id", sa.Integer), sa.column("token", sa.String),
                             sa.column("n", sa.BigInteger))
    op.bulk_insert(cache_version, [{"id": 1, "token": secrets.token_hex(16), "n": 0}])


def downgrade():
    op.drop_table('cache_version')
