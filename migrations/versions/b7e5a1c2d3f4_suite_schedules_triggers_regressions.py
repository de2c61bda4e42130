"""suite schedules, run triggers and regressions, the campaigns' updated times seen

Revision ID: b7e5a1c2d3f4
Revises: 9d0e1f2a3b4c
Create Date: 2026-12-06 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e5a1c2d3f4'
down_revision = '9d0e1f2a3b4c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bench_suites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule', sa.String(length=20), server_default='off', nullable=False))
        batch_op.add_column(sa.Column('schedule_time', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('soon_hours', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('on_change', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('schedule_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('schedule_fired', sa.DateTime(), nullable=True))
    with op.batch_alter_table('bench_suite_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trigger', sa.String(length=20), server_default='on_demand', nullable=False))
        batch_op.add_column(sa.Column('trigger_detail', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('regression', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('flips', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('previous_run_id', sa.Integer(), nullable=True))
    op.create_table(
        'bench_campaign_watches',
        sa.Column('campaign_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('updated', sa.String(length=40), nullable=True),
        sa.Column('start_time', sa.DateTime(), nullable=True),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('campaign_id'),
    )


def downgrade():
    op.drop_table('bench_campaign_watches')
    with op.batch_alter_table('bench_suite_runs', schema=None) as batch_op:
        for column in ('previous_run_id', 'flips', 'regression', 'trigger_detail', 'trigger'):
            batch_op.drop_column(column)
    with op.batch_alter_table('bench_suites', schema=None) as batch_op:
        for column in ('schedule_fired', 'schedule_since', 'on_change', 'soon_hours',
                       'schedule_time', 'schedule'):
            batch_op.drop_column(column)
