"""The `auth` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
