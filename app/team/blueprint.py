"""The `team` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("team", __name__, url_prefix="/team")
