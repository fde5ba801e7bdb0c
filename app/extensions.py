"""Unbound extensions; create_app binds them."""

from flask import g, has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Select
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, identical on SQLite and PostgreSQL, so migrations stay portable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


REPLICA = "replica"  # the bind of REPLICA_DATABASE_URL, when one is configured
# Who the caller is and what they may do is always read from the primary (a revocation applies at once).
PRIMARY_ONLY_TABLES = frozenset({"user_account", "api_token"})


class RoutingSession(FlaskSession):
    """Sends the SELECTs of a request marked with `use_replica()` to the read replica, when one is configured;
    every other statement, and every read while flushing, goes to the primary."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (bind is None and isinstance(clause, Select) and not self._flushing and has_app_context()
                and g.get("use_replica") and REPLICA in self._db.engines
                and getattr(getattr(mapper, "local_table", None), "name", None) not in PRIMARY_ONLY_TABLES):
            return self._db.engines[REPLICA]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def use_replica() -> None:
    """The rest of this request reads from the replica (analytics and exports: a few seconds behind is fine)."""
    g.use_replica = True


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
limiter = Limiter(key_func=get_remote_address)
api = Api()  # flask-smorest: the /api/v1 OpenAPI description (configured by app.api.init_api)
