from app.auth import account, form_stash, oidc_routes, routes, timeouts  # noqa: F401  # the views, registered on bp
from app.auth.blueprint import bp  # noqa: F401
