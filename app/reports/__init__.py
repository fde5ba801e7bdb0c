from app.reports import follow_up, routes  # noqa: F401  # the views, registered on bp
from app.reports.blueprint import bp  # noqa: F401
