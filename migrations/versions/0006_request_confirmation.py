"""the patient's confirmation of a request, the status page's token, the due date

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_requests") as table:
        table.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("confirm_before", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("confirm_token_hash", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("confirm_code_hash", sa.String(length=64), nullable=True))
        table.add_column(
            sa.Column("confirm_code_failures", sa.Integer(), nullable=False, server_default="0")
        )
        table.add_column(sa.Column("access_token_hash", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        table.create_unique_constraint("uq_data_requests_confirm_token", ["confirm_token_hash"])
        table.create_unique_constraint("uq_data_requests_access_token", ["access_token_hash"])
    # Requests received before confirmations existed count as confirmed when they came in.
    op.execute("UPDATE data_requests SET confirmed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("data_requests") as table:
        table.drop_constraint("uq_data_requests_access_token", type_="unique")
        table.drop_constraint("uq_data_requests_confirm_token", type_="unique")
        for column in (
            "due_on",
            "access_token_hash",
            "confirm_code_failures",
            "confirm_code_hash",
            "confirm_token_hash",
            "confirm_before",
            "confirmed_at",
        ):
            table.drop_column(column)
