"""Migrations: Alembic builds the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from kiosk.store import migrate
from kiosk.store.db import make_engine
from kiosk.store.models import Base
from kiosk.store.store import Store


def test_head_revision_constant_matches_alembic_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_current_head() == migrate.HEAD_REVISION


def test_upgrade_from_empty_creates_every_table(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        assert migrate.current_revision(engine) is None
        assert migrate.upgrade(engine) is True
        tables = set(inspect(engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
        assert migrate.upgrade(engine) is False  # already current: nothing runs
    finally:
        engine.dispose()


def test_migrated_schema_matches_models(store: Store) -> None:
    """Autogenerate finds nothing to add, drop or alter: models and migration agree."""
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_table_exists_on_both_back_ends(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_sqlite_runs_in_wal_mode(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_money_columns_are_bigint_on_postgresql(store: Store) -> None:
    if store.dialect != "postgresql":
        return
    with store.engine.connect() as connection:
        kinds = dict(
            connection.execute(
                text(
                    "SELECT table_name || '.' || column_name, data_type"
                    " FROM information_schema.columns WHERE column_name = 'cents'"
                )
            ).all()
        )
    assert kinds and set(kinds.values()) == {"bigint"}, kinds
