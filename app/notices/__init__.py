from app.notices import routes  # noqa: F401  # the views, registered on bp
from app.notices.blueprint import bp  # noqa: F401
from app.notices.panel import follow_panel  # noqa: F401
