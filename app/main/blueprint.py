"""The `main` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("main", __name__)
