"""The `moderation` blueprint, which its view modules register their routes on."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
