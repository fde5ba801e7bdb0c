"""The `alerts` blueprint: ethics and safety alerts, raised by staff and handled by the ethics reviewers."""

from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
