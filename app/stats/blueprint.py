"""The `stats` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("stats", __name__)
