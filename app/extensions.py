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
