"""Typed models, one module per aggregate."""

from app.models.alert import AlertMessage, EthicsAlert
from app.models.api_token import ApiToken, ApiTokenReveal
from app.models.audit import AuditLog
from app.models.establishment import Establishment
from app.models.establishment_request import EstablishmentRequest
from app.models.facts import FactChoice, PageGeneration, ReportFact, StatCache
from app.models.follow import Delivery, Follow, FollowKind, NoticeKind, NoticePreference, PendingNotice
from app.models.guide import Guide, GuideVersion
from app.models.identity import ExternalIdentity, OidcNonce
from app.models.peer import PeerConversation, PeerMessage
from app.models.release import StatRelease, StatReleaseView
from app.models.reminder import ReportReminder
from app.models.report import DraftStash, PrivacyFlag, Report, ReportRevision, Submission
from app.models.solution import Category, Solution, SolutionAttribute
from app.models.user import FormStash, LoginLock, PasswordReset, User

__all__ = [
    "AlertMessage", "ApiToken", "ApiTokenReveal", "AuditLog", "Category", "Delivery", "DraftStash", "Establishment",
    "EstablishmentRequest", "EthicsAlert", "ExternalIdentity", "FactChoice", "Follow", "FollowKind", "FormStash",
    "NoticeKind", "NoticePreference", "PendingNotice",
    "Guide", "GuideVersion", "LoginLock", "OidcNonce", "PageGeneration", "PasswordReset", "PeerConversation",
    "PeerMessage", "PrivacyFlag", "Report", "ReportFact", "ReportReminder",
    "ReportRevision", "Solution", "SolutionAttribute", "StatCache", "StatRelease", "StatReleaseView", "Submission",
    "User"
]
