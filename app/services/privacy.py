"""Patient-data guard: finds personal data in French free text before a report is published.

Hits are warnings shown to a person, never silent edits. Person names come from spaCy's French
model through Presidio, plus the platform's own recognizers (names after a title, NIR, INS, RPPS,
phone numbers, dates of birth, postal addresses), which the small model cannot see.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.services.privacy_finders import FINDERS, Candidate, _person_span_from_ner

# tldextract (used by Presidio's email recognizer) would fetch the public suffix list first.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

PLACEHOLDERS = {
    "PERSON": "[NOM]",
    "NIR": "[NIR]",
    "INS": "[INS]",
    "RPPS": "[RPPS]",
    "PHONE": "[TÉLÉPHONE]",
    "EMAIL": "[EMAIL]",
    "BIRTH_DATE": "[DATE DE NAISSANCE]",
    "ADDRESS": "[ADRESSE]",
}

TYPE_LABELS = {
    "PERSON": _l("nom de personne"),
    "NIR": _l("numéro de sécurité sociale (NIR)"),
    "INS": _l("INS"),
    "RPPS": _l("numéro RPPS"),
    "PHONE": _l("numéro de téléphone"),
    "EMAIL": _l("adresse électronique"),
    "BIRTH_DATE": _l("date de naissance"),
    "ADDRESS": _l("adresse postale"),
}

# When two findings overlap, the first type here wins; within a type, the longer span.
_SPECIFICITY = ("INS", "NIR", "RPPS", "EMAIL", "PHONE", "BIRTH_DATE", "ADDRESS", "PERSON")

NLP_CONFIGURATION = {
    "nlp_engine_name": "spacy",
    "models": [{"lang_code": "fr", "model_name": "fr_core_news_sm"}],
    "ner_model_configuration": {
        "model_to_presidio_entity_mapping": {"PER": "PERSON", "LOC": "LOCATION"},
        "labels_to_ignore": ["MISC", "ORG"],
    },
}
MIN_PERSON_SCORE = 0.5


@dataclass(frozen=True)
class Finding:
    type: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "start": self.start, "end": self.end, "text": self.text}


# ---------------------------------------------------------------- the engine, once per process
_engine: Any = None
_engine_lock = threading.Lock()


def _build_engine() -> Any:
    """Presidio with spaCy's French model and only our recognizers: nothing is downloaded."""
    from presidio_analyzer import AnalyzerEngine, LocalRecognizer, RecognizerRegistry, RecognizerResult
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer

    class FrenchPersonRecognizer(SpacyRecognizer):
        """spaCy PER hits, trimmed of titles and punctuation, without the usual false friends."""

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            kept = []
            for result in super().analyze(text, entities, nlp_artifacts):
                span = _person_span_from_ner(text, result.start, result.end, nlp_artifacts.tokens)
                if result.score >= MIN_PERSON_SCORE and span is not None:
                    result.start, result.end = span
                    kept.append(result)
            return kept

    class FinderRecognizer(LocalRecognizer):
        def __init__(self, name: str, finder: Callable[[str], Iterable[Candidate]]) -> None:
            self.finder = finder
            super().__init__(supported_entities=list(PLACEHOLDERS), name=name, supported_language="fr")

        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:  # noqa: ARG002
            return [RecognizerResult(kind, start, end, score) for kind, start, end, score in self.finder(text)]

    nlp_engine = NlpEngineProvider(nlp_configuration=NLP_CONFIGURATION).create_engine()
    # The dependency parser only splits sentences for us, and its splits cut names in two
    # ("prévenu Antoine Masson" is found without it); it also takes half of the time.
    nlp_engine.nlp["fr"].disable_pipe("parser")
    recognizers = [
        FrenchPersonRecognizer(supported_language="fr", supported_entities=["PERSON"]),
        EmailRecognizer(supported_language="fr"),
        *(FinderRecognizer(name, finder) for name, finder in FINDERS.items()),
    ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["fr"])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["fr"])


def get_engine() -> Any:
    """The process-wide Presidio analyzer, built on first use."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = _build_engine()
    return _engine


def warm_up() -> None:
    """Load the model (and the email recognizer's suffix list) now rather than on the first report."""
    get_engine().analyze("Le Dr Martin écrit à martin@exemple.fr.", language="fr")


# ---------------------------------------------------------------- the service
_PRESIDIO_TYPES = {"EMAIL_ADDRESS": "EMAIL"}


def resolve_overlaps(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Among overlapping spans keep the most specific type, then the longest; sorted by start."""
    ranked = sorted(set(candidates), key=lambda c: (_SPECIFICITY.index(c[0]), -(c[2] - c[1]), c[1]))
    kept: list[Candidate] = []
    for candidate in ranked:
        if all(candidate[2] <= other[1] or candidate[1] >= other[2] for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda c: (c[1], c[2]))


def scan(text: str, *, not_names: Iterable[str] = ()) -> list[Finding]:
    """Personal data found in text, in order, without overlaps; offsets index the original string.

    not_names: words known not to be people here, such as the catalogue's solution and vendor names
    ("Cardiolia" reads like a first name to the model).
    """
    if not text or not text.strip():
        return []
    ignored = {name.casefold() for name in not_names}
    candidates = []
    for result in get_engine().analyze(text, language="fr"):
        kind = _PRESIDIO_TYPES.get(result.entity_type, result.entity_type)
        if kind not in PLACEHOLDERS or result.end <= result.start:
            continue
        if kind == "PERSON" and ignored and text[result.start:result.end].casefold() in ignored:
            continue
        candidates.append((kind, result.start, result.end, result.score))
    return [Finding(kind, start, end, text[start:end]) for kind, start, end, _ in resolve_overlaps(candidates)]


def mask(text: str, findings: list[Finding]) -> str:
    """text with each finding replaced by its placeholder (overlapping findings are merged)."""
    pieces = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.start < position:  # overlaps the previous placeholder, which already hides it
            position = max(position, finding.end)
            continue
        pieces += [text[position:finding.start], PLACEHOLDERS[finding.type]]
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)
