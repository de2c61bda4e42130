"""bulk jobs in the worker: the step chain's token, last step time, the owner's notice

Revision ID: ae1f2b3c4d5e
Revises: 9d2e4f6a8b1c
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ae1f2b3c4d5e'
down_revision = '9d2e4f6a8b1c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('touched_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('notice_pending', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_bulk_jobs_notice_pending'), ['notice_pending'], unique=False)
    with op.batch_alter_table('bulk_rows', schema=None) as batch_op:
        batch_op.create_index('ix_bulk_rows_job_value', ['job_id', 'value'], unique=False)


def downgrade():
    with op.batch_alter_table('bulk_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_rows_job_value')
    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_jobs_notice_pending'))
        batch_op.drop_column('notice_pending')
        batch_op.drop_column('touched_at')
        batch_op.drop_column('run_token')
