"""The `reports` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
