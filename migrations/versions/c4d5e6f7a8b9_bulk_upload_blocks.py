"""bulk uploads staged by the worker: the uploaded file kept in blocks until it is read

Revision ID: c4d5e6f7a8b9
Revises: ae1f2b3c4d5e
Create Date: 2026-12-07 02:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = 'ae1f2b3c4d5e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bulk_upload_blocks',
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['bulk_jobs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('job_id', 'seq'),
    )


def downgrade():
    op.drop_table('bulk_upload_blocks')
