from app.peers import routes  # noqa: F401  # the views, registered on bp
from app.peers.blueprint import bp  # noqa: F401
