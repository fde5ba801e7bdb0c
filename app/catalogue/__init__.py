from app.catalogue import routes  # noqa: F401  # the views, registered on bp
from app.catalogue.blueprint import bp  # noqa: F401
