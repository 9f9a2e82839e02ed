"""answers given and patients' votes on them, for the staff's insights

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_records",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("intent", sa.String(length=60), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("sections", sa.String(length=200), nullable=False),
        sa.Column("policy_version", sa.String(length=80), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("vote", sa.String(length=4), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
    )
    op.create_index("ix_answer_records_day", "answer_records", ["day"])


def downgrade() -> None:
    op.drop_index("ix_answer_records_day", table_name="answer_records")
    op.drop_table("answer_records")
