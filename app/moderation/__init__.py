from app.moderation import routes  # noqa: F401  # the views, registered on bp
from app.moderation.blueprint import bp  # noqa: F401
