"""queue workers: each worker's heartbeat (app/queue.py), for /healthz

Revision ID: 9d0e1f2a3b4c
Revises: 8c1d2e3f4a5b
Create Date: 2026-12-06 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d0e1f2a3b4c'
down_revision = '8c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'queue_workers',
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_queue_workers')),
    )
    with op.batch_alter_table('queue_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_workers_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('queue_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_workers_seen_at'))
    op.drop_table('queue_workers')
