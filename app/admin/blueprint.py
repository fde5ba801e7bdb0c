"""The `admin` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
