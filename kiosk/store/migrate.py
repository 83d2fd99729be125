"""Schema migrations (Alembic) run from code, with a cheap "already current?" check.

Alembic is imported only when the schema needs work, which keeps a warm start
of the kiosk fast.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions; a test checks it matches Alembic's head.
HEAD_REVISION = "0006"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Bring the schema to ``revision``. Returns True if anything ran."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return False
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return True


def alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
