"""Typed models, one module per aggregate."""

from app.models.audit import AuditLog
from app.models.establishment import Establishment
from app.models.report import DraftStash, PrivacyFlag, Report, ReportRevision, Submission
from app.models.solution import Category, Solution, SolutionAttribute
from app.models.user import User

__all__ = ["AuditLog", "Category", "DraftStash", "Establishment", "PrivacyFlag", "Report", "ReportRevision",
           "Solution", "SolutionAttribute", "Submission", "User"]
