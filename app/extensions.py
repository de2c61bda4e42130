"""Flask extensions, created unbound here and bound to an app in create_app (init_app pattern)."""

from __future__ import annotations

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints, so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
# The key is the client address as the WSGI server sees it; behind a proxy set
# TRUSTED_PROXY_COUNT so ProxyFix puts the real client address there first.
limiter = Limiter(key_func=get_remote_address)
# Formats only (no translations yet); its Jinja filters are not installed, app.templating
# registers the console's own (app.formatting), so there is one way to write each.
babel = Babel(configure_jinja=False)


# -- SQLite, when it is the console's database ----------------------------------------------

#: Write-ahead logging, and fsync at checkpoints rather than at every commit. SQLite's default
#: (a rollback journal, synchronous=FULL) costs several fsyncs per commit: 5-20 ms on the
#: benchmark machine for each audit entry and each "recently viewed" update, more than the rest
#: of the request. SQLite's documentation (pragma.html#pragma_synchronous): "WAL mode is always
#: consistent with synchronous=NORMAL ... Transactions are durable across application crashes
#: regardless of the synchronous setting or journal mode ... The synchronous=NORMAL setting is a
#: good choice for most applications running in WAL mode." What NORMAL gives up: a commit made
#: just before the machine itself loses power may be rolled back (the database stays
#: consistent). SQLITE_SYNCHRONOUS=FULL keeps every commit across a power loss too, at one
#: fsync per commit. WAL needs the database on a local disk (not a network file system).
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous={synchronous}")


def init_database(app) -> None:
    """Bind Flask-SQLAlchemy; a SQLite database gets SQLITE_PRAGMAS on every new connection
    (SQLAlchemy's "connect" event, as its SQLite dialect documentation shows for pragmas)."""
    from sqlalchemy import event

    db.init_app(app)
    pragmas = [p.format(synchronous=app.config["SQLITE_SYNCHRONOUS"]) for p in SQLITE_PRAGMAS]

    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", on_connect)
