"""the patient's language on a request

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 06:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.drop_column("language")
