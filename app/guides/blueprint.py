"""The `guides` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("guides", __name__, url_prefix="/guides")
