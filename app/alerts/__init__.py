from app.alerts import routes  # noqa: F401  # the views, registered on bp
from app.alerts.blueprint import bp  # noqa: F401
