from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import form_stash, routes, timeouts  # noqa: E402,F401
