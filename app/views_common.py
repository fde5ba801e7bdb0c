"""Small helpers shared by the views."""

from __future__ import annotations

from flask import Request, Response, abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.routing import IntegerConverter

from app.models._types import MAX_ID, parse_id

MAX_PAGE = 10_000


def page_arg() -> int:
    """The requested page number, kept within what a database integer and a person can use."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in every route of the app (create_app registers it under that name): a number a database integer
    holds, 0 to MAX_ID. A larger one matches no route, so the answer is a 404 before any view puts it in a query
    that PostgreSQL (from 2**31) or SQLite (from 2**63) refuses with an error."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        if self.max is None or self.max > MAX_ID:
            self.max = MAX_ID


def id_args(name: str) -> list[int]:
    """The ids given as query argument `name`, in order (empty values skipped); anything else than an id: 400."""
    ids = []
    for value in request.args.getlist(name):
        if value.strip():
            number = parse_id(value.strip())
            if number is None:
                abort(400)
            ids.append(number)
    return ids


def id_arg(name: str) -> int | None:
    """The id given as query argument `name`, None when absent or empty; anything else than an id: 400."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        abort(400)
    return number


# Explicit bidirectional formatting (embeddings, overrides, isolates) and the character that ends each.
_BIDI_CLOSER = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
                "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
_LINE_ENDS = "\n\r\x85\u2028\u2029"


def close_bidi(text: str) -> str:
    """The text with every bidirectional embedding, override or isolate it opens closed at the end of its line:
    a right-to-left override (U+202E) typed in a value then never turns the page's own text around it (a title,
    a sentence, the quotes of a PDF). What the value itself shows is unchanged."""
    if not any(char in _BIDI_CLOSER for char in text):
        return text
    pieces, open_ = [], []
    for char in text:
        if char in _LINE_ENDS:
            pieces.extend(reversed(open_))
            open_.clear()
        pieces.append(char)
        if char in _BIDI_CLOSER:
            open_.append(_BIDI_CLOSER[char])
        elif char == "\u202c" and open_ and open_[-1] == "\u202c":
            open_.pop()
        elif char == "\u2069" and "\u2069" in open_:
            del open_[len(open_) - 1 - open_[::-1].index("\u2069"):]  # with the embeddings opened inside it
    pieces.extend(reversed(open_))
    return "".join(pieces)


def _clean(value):
    return close_bidi(value.replace("\x00", "")) if isinstance(value, str) else value


class _TextFields(ImmutableMultiDict):
    """Query arguments or form fields as parsed from the request (pairs), cleaned by _clean."""

    def __init__(self, mapping=None) -> None:
        if isinstance(mapping, list):
            mapping = [(_clean(key), _clean(value)) for key, value in mapping]
        super().__init__(mapping)


class TextRequest(Request):
    """Text as typed in forms and query strings, made safe to store and to show: NUL removed (no honest input
    contains it, and PostgreSQL refuses it in a text column: a 500 on any query or insert), bidirectional
    formatting closed (close_bidi)."""

    parameter_storage_class = _TextFields

    def make_form_data_parser(self):
        parser = super().make_form_data_parser()
        parser.silent = False  # an unreadable body is refused below, not taken for an empty form
        return parser

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except ValueError as error:
            # Not UTF-8, or broken multipart. Read as an empty form, it would save a questionnaire step as blank.
            raise BadRequest() from error


def refuse_nul_in_path() -> None:
    """An address with NUL (%00) names nothing: a 404, before a view puts it in a query that PostgreSQL refuses."""
    if "\x00" in request.path:
        abort(404)


def refuse_untrusted_host() -> Response | None:
    """A Host header outside TRUSTED_HOSTS: 400, before any other hook runs. Flask has then failed to route the
    request (SecurityError) and cannot build a URL, so the site's error page, which needs URLs, cannot be shown."""
    if isinstance(request.routing_exception, SecurityError):
        return Response(_("Requête invalide : ce site ne répond pas sous cette adresse."), 400,
                        mimetype="text/plain")
    return None
