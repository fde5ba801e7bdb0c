from app.admin import establishment_requests, finess_import, jobs, routes  # noqa: F401  # the views, registered on bp
from app.admin.blueprint import bp  # noqa: F401
