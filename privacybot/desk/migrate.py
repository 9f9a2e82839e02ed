"""Bring the database schema up to date (Alembic, migrations/)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from privacybot.settings import PROJECT_ROOT


def upgrade_database(url: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
