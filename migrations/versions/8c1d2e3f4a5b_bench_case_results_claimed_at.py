"""bench case results: claimed_at, so a case left claimed by a stopped console expires

Revision ID: 8c1d2e3f4a5b
Revises: 5fb791627cc9
Create Date: 2026-12-04 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c1d2e3f4a5b'
down_revision = '5fb791627cc9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bench_case_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('bench_case_results', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
