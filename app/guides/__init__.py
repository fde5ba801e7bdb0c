from flask import Blueprint

bp = Blueprint("guides", __name__, url_prefix="/guides")

from app.guides import routes  # noqa: E402,F401
