"""The `peers` blueprint: contacting the establishments that agreed to be contacted about a solution."""

from flask import Blueprint

bp = Blueprint("peers", __name__, url_prefix="/peers")
