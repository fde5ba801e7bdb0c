"""The `notices` blueprint: follow buttons, the notification settings, the one-click unsubscribe."""

from flask import Blueprint

bp = Blueprint("notices", __name__)
