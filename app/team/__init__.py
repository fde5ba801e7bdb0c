from app.team import routes  # noqa: F401  # the views, registered on bp
from app.team.blueprint import bp  # noqa: F401
