from app.guides import routes  # noqa: F401  # the views, registered on bp
from app.guides.blueprint import bp  # noqa: F401
