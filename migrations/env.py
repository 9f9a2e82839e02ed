"""Alembic environment: the URL comes from the settings (or from the caller's config)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from privacybot.desk.models import Base
from privacybot.line import models as _line_models  # noqa: F401 - registers its tables
from privacybot.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database.resolved_url()


def run_migrations() -> None:
    connectable = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
