"""The site-wide counters (the sample's visit counter).

Revision ID: 0001_counters
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_counters"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_table("counters")
