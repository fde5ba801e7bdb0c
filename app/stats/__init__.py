from app.stats import routes  # noqa: F401  # the views, registered on bp
from app.stats.blueprint import bp  # noqa: F401
