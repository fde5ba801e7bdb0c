from app.main import routes  # noqa: F401  # the views, registered on bp
from app.main.blueprint import bp  # noqa: F401
