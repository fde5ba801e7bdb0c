from app.exports import routes  # noqa: F401  # the views, registered on bp
from app.exports.blueprint import bp  # noqa: F401
