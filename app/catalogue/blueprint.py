"""The `catalogue` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")
