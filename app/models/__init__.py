"""Typed models, one module per aggregate."""

from app.models.audit import AuditLog
from app.models.establishment import Establishment
from app.models.solution import Category, Solution, SolutionAttribute
from app.models.user import User

__all__ = ["AuditLog", "Category", "Establishment", "Solution", "SolutionAttribute", "User"]
