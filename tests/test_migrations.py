"""Every table comes from a migration: `upgrade head` equals the models, and it goes down too."""

from __future__ import annotations

import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import make_settings
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from smsgate import create_app
from smsgate.extensions import db
from smsgate.models import Base


def _fresh_database_urls(tmp_path) -> list[str]:
    urls = [f"sqlite:///{tmp_path / 'migrations.db'}"]
    server = os.environ.get("SMSGATE_TEST_DATABASE_URL")
    if server:
        url = make_url(server)
        name = f"{url.database}_migrations"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        urls.append(url.set(database=name).render_as_string(hide_password=False))
    return urls


# SQLite always; the database server too when the suite runs against one.
DATABASES = ["sqlite"] + (["server"] if os.environ.get("SMSGATE_TEST_DATABASE_URL") else [])


@pytest.fixture(params=DATABASES)
def migration_app(request, tmp_path, settings):
    urls = _fresh_database_urls(tmp_path)
    url = urls[0] if request.param == "sqlite" else urls[1]
    fresh = create_app(make_settings(url, settings.redis_url, settings.embedded_redis_path),
                       instance_path=str(tmp_path / "instance"))
    with fresh.app_context():
        yield fresh
        db.session.remove()
        db.engine.dispose()


def _differences():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_head_matches_the_models(migration_app):
    flask_migrate.upgrade()
    assert _differences() == []


def test_every_migration_goes_down_and_up_again(migration_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_migrate.upgrade()
    assert _differences() == []
    with db.engine.connect() as conn:
        head = conn.execute(text("SELECT last_id, last_hash FROM ledger_head")).one()
    assert head == (0, "0" * 64)
