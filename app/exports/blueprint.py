"""The `exports` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
