"""the desk as a work queue: assignment, the identity check, notes and replies

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_requests") as table:
        table.add_column(sa.Column("assignee", sa.String(length=100), nullable=True))
        table.add_column(sa.Column("identity_method", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("identity_checked_by", sa.String(length=100), nullable=True))
        table.add_column(sa.Column("identity_checked_at", sa.DateTime(), nullable=True))
        table.create_index("ix_data_requests_assignee", ["assignee"])
    op.create_table(
        "request_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("data_requests.id"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=True),
        sa.Column("client_key", sa.String(length=64), nullable=True, unique=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_request_messages_request_id", "request_messages", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_request_messages_request_id", table_name="request_messages")
    op.drop_table("request_messages")
    with op.batch_alter_table("data_requests") as table:
        table.drop_index("ix_data_requests_assignee")
        for column in ("identity_checked_at", "identity_checked_by", "identity_method", "assignee"):
            table.drop_column(column)
