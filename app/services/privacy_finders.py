"""The platform's own recognizers of personal data in French free text, each a plain function of the text
(testable without the language model): names after a title, and the filter that tells a person's name from the
words spaCy's small model mistakes for one; NIR and INS, RPPS numbers, phone numbers, dates of birth, postal
addresses. app.services.privacy runs them with the model."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import phonenumbers
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

# A candidate is (type, start, end, score).
Candidate = tuple[str, int, int, float]

# ---------------------------------------------------------------- words that are not people
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME_WORD = rf"[{_UPPER}][{_LOWER}{_UPPER}'’]+(?:-[{_UPPER}][{_LOWER}{_UPPER}'’]+)*"

# Capitalised function words: cut from the ends of a name ("M. Dupont Le lendemain").
_FUNCTION_WORDS = frozenset(
    "le la les l un une des de du d au aux ce cet cette ces il elle ils elles nous vous je on en et ou "
    "mais puis donc or ni car après avant depuis pour par sur sous dans lors si ne pas son sa ses leur "
    "leurs notre nos votre vos bonjour merci cordialement chez selon grâce enfin ensuite".split()
)
# Words spaCy's small model likes to call people in our texts: roles, services, software, diseases.
NON_PERSON_WORDS = frozenset(
    "docteur professeur madame monsieur mademoiselle patient patiente médecin radiologue cadre infirmier "
    "infirmière interne chef directeur directrice équipe service pôle urgences radiologie chu chr ch "
    "hôpital clinique ars has cnil anssi dsi dim dpo rssi ia irm pacs dpi ris rgpd hds ide ehpad smur samu "
    "scanner covid alzheimer parkinson crohn hodgkin lundi mardi mercredi jeudi vendredi samedi dimanche "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre python excel "
    "windows linux teams outlook".split()
)
_TITLE = (
    r"(?:Dr|Dre|Docteur|docteur|Pr|Pre|Professeur|professeur|Mme|Mmes|Madame|madame|Mlle|Mademoiselle|"
    r"mademoiselle|MM\.|M\.|Monsieur|monsieur|Mr|[Pp]atiente?)"
)
_SAINT_RE = re.compile(r"(?:Saint|Sainte|St|Ste)-")
# A capitalised word after these names a thing: places and eponyms named after someone ("Centre Léon
# Bérard", "maladie de Parkinson", "score de Glasgow"), products and companies ("la société Medivia").
_NAMED_AFTER_RE = re.compile(
    r"\b(?i:h[ôo]pital|centre|clinique|institut|fondation|lyc[ée]e|coll[èe]ge|[ée]cole|universit[ée]|pavillon|b[âa]timent|"
    r"r[ée]sidence|ehpad|maison|groupe\s+hospitalier|CHU?|GH|syndrome|maladie|score|test|[ée]chelle|classification|"
    r"signe|m[ée]thode|loi|crit[èe]res?|prix|soci[ée]t[ée]|entreprise|[ée]diteur|fournisseur|laboratoire|start-up|"
    r"logiciel|solution|outil|application|plateforme|module|algorithme|mod[èe]le|produit|gamme)\s+(?:(?:de|du|des)\s+|d['’])?$"
)
_TITLED_NAME_RE = re.compile(
    rf"(?<![\w.]){_TITLE}\.?[ \u00a0]+(?P<name>(?:[{_UPPER}]\.[ \u00a0]?)?(?:(?:de|d['’]|van|von|di|da|ben)[ \u00a0]?)?"
    rf"{_NAME_WORD}(?:[ \u00a0]+(?:(?:de|du|des|d['’]|van|von|di|da|ben)[ \u00a0]?)?{_NAME_WORD}){{0,3}})"
)
_TITLE_WORD_RE = re.compile(rf"{_TITLE}\.?")


def _is_non_person_word(word: str) -> bool:
    bare = word.strip(".,;:!?'’()").lower()
    return bare in NON_PERSON_WORDS or bare in _FUNCTION_WORDS


def _clean_name_span(text: str, start: int, end: int, after_title: bool = False) -> tuple[int, int] | None:
    """Drop titles, function words and punctuation at the ends of a name; None if nothing is left.

    A capitalised article right after a title belongs to the name ("Mme Le Goff").
    """
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"[^\s()«»\"]+", text[start:end])]
    while words:
        word = text[words[0][0]:words[0][1]]
        if _TITLE_WORD_RE.fullmatch(word):
            after_title = True
        elif not _is_non_person_word(word) or (after_title and word[0].isupper() and len(words) > 1
                                                and word.lower() not in NON_PERSON_WORDS):
            break
        words.pop(0)
    while words and _is_non_person_word(text[words[-1][0]:words[-1][1]]):
        words.pop()
    if not words:
        return None
    # "Dr Watson d'IBM", "Dr Martin IRM": a short acronym after a name written in lower case.
    last = re.sub(r"^[dl]['’]", "", text[words[-1][0]:words[-1][1]])
    if len(words) > 1 and last.isupper() and len(last) <= 4 and not text[words[0][0]:words[0][1]].isupper():
        words.pop()
    start, end = words[0][0], words[-1][1]
    while end > start and text[end - 1] in ".,;:!?":
        end -= 1
    return (start, end) if end > start else None


def plausible_person(name: str) -> bool:
    """False for what the NER model wrongly calls a person: lower-case words, acronyms, known words."""
    words = name.split()
    if not words or not name[0].isupper():
        return False
    if len(words) == 1 and (name.isupper() or len(name) < 3):
        return False
    if any(_SAINT_RE.match(word) for word in words):  # Saint-Joseph, Sainte-Anne: hospitals and streets
        return False
    return not any(word.strip(".,'’").lower() in NON_PERSON_WORDS for word in words)


_ARTICLES = frozenset({"le", "la", "les", "l'", "l’", "un", "une", "des", "du", "au", "aux"})


def _person_span_from_ner(text: str, start: int, end: int, doc: Any) -> tuple[int, int] | None:
    """The name inside a spaCy PER span, or None when it is not a person's name."""
    span = _clean_name_span(text, start, end)
    if span is None:
        return None
    tokens = list(doc.char_span(*span, alignment_mode="expand") or [])
    # "Contacter Martin demain": a verb or a lower-case word at either end is not part of the name.
    while tokens and (tokens[0].text[0].islower() or tokens[0].pos_ in ("VERB", "AUX")):
        tokens.pop(0)
    while tokens and (tokens[-1].text[0].islower() or tokens[-1].pos_ in ("VERB", "AUX")):
        tokens.pop()
    if not tokens:
        return None
    start, end = max(span[0], tokens[0].idx), min(span[1], tokens[-1].idx + len(tokens[-1].text))
    name = text[start:end]
    if not plausible_person(name) or _NAMED_AFTER_RE.search(text[max(0, start - 30):start]):
        return None
    if not any(token.pos_ == "PROPN" for token in tokens):  # a name holds a proper noun
        return None
    following = doc[tokens[-1].i + 1] if tokens[-1].i + 1 < len(doc) else None
    if len(tokens) == 1 and following is not None and following.text.lower() in _ARTICLES:
        return None  # "Rappeler le service…": an infinitive heading a sentence, not a surname
    return start, end


def find_titled_names(text: str) -> Iterator[Candidate]:
    """Capitalised words after a title or "patient(e)": the small model misses many of these."""
    for match in _TITLED_NAME_RE.finditer(text):
        span = _clean_name_span(text, match.start("name"), match.end("name"), after_title=True)
        if span is None:
            continue
        name = text[span[0]:span[1]]
        if not (name.isupper() and len(name) <= 4):  # "patient BPCO" is a disease, "Mme DUPUIS" a person
            yield ("PERSON", span[0], span[1], 0.9)


# ---------------------------------------------------------------- NIR, INS, RPPS
_SEP = r"[ .\u00a0\u202f-]?"
_NIR_SHAPE_RE = re.compile(
    rf"(?<![0-9A-Za-z])[0-9](?:{_SEP}[0-9]){{4}}{_SEP}(?:[0-9]{_SEP}[0-9]|2{_SEP}[ABab])(?:{_SEP}[0-9]){{8}}(?![0-9])"
)
_INS_KEYWORD_RE = re.compile(r"\bINS(?:[- ]?N[IA][RA])?\b|matricule\s+INS|identifiant\s+national\s+de\s+santé", re.I)
_NIR_KEYWORD_RE = re.compile(r"\bNIR\b|s[ée]curit[ée]\s+sociale|\bn°\s*(?:de\s+)?(?:s[ée]cu|SS)\b|\bINSEE\b", re.I)
_RPPS_RE = re.compile(r"(?<![0-9])[18](?: ?[0-9]){10}(?![0-9])")
_RPPS_KEYWORD_RE = re.compile(r"\bRPPS\b", re.I)
_KEYWORD_WINDOW = 40


def _nearest_keyword(text: str, start: int, *keywords: tuple[str, re.Pattern[str]]) -> str | None:
    """The type whose keyword ends closest before start (within a short window), if any."""
    window = text[max(0, start - _KEYWORD_WINDOW):start]
    best: tuple[int, str] | None = None
    for kind, pattern in keywords:
        for match in pattern.finditer(window):
            if best is None or match.end() > best[0]:
                best = (match.end(), kind)
    return best[1] if best else None


def find_social_security_numbers(text: str) -> Iterator[Candidate]:
    """NIR, or INS when an INS keyword precedes it. A wrong key counts only after an explicit keyword."""
    for match in _NIR_SHAPE_RE.finditer(text):
        compact = re.sub(r"[^0-9A-Za-z]", "", match.group()).upper()
        keyword = _nearest_keyword(text, match.start(), ("INS", _INS_KEYWORD_RE), ("NIR", _NIR_KEYWORD_RE))
        valid = compact[0] in "123478" and stdnum_nir.is_valid(compact)
        if valid:
            yield (keyword or "NIR", match.start(), match.end(), 1.0)
        elif keyword:
            yield (keyword, match.start(), match.end(), 0.7)


def find_rpps_numbers(text: str) -> Iterator[Candidate]:
    """11 digits starting with 1 or 8, Luhn key; spaced out or with a wrong key only after "RPPS"."""
    for match in _RPPS_RE.finditer(text):
        digits = match.group().replace(" ", "")
        near_keyword = _nearest_keyword(text, match.start(), ("RPPS", _RPPS_KEYWORD_RE)) is not None
        if near_keyword or (luhn.is_valid(digits) and " " not in match.group()):
            yield ("RPPS", match.start(), match.end(), 1.0 if luhn.is_valid(digits) else 0.7)


# ---------------------------------------------------------------- phones
_NUMBER_TYPE = phonenumbers.PhoneNumberType
_SERVICE_NUMBER_TYPES = frozenset({_NUMBER_TYPE.TOLL_FREE, _NUMBER_TYPE.PREMIUM_RATE, _NUMBER_TYPE.SHARED_COST})


def find_phone_numbers(text: str) -> Iterator[Candidate]:
    """Valid numbers in any usual notation; free, shared-cost and premium service numbers are no one's."""
    for match in phonenumbers.PhoneNumberMatcher(text, "FR", leniency=phonenumbers.Leniency.VALID):
        if phonenumbers.number_type(match.number) not in _SERVICE_NUMBER_TYPES:
            yield ("PHONE", match.start, match.end, 1.0)


# ---------------------------------------------------------------- dates of birth
_MONTHS = (
    r"(?:janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|ao[uû]t|"
    r"septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|d[ée]cembre|d[ée]c\.?)"
)
_DAY_DATE = rf"(?:[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-](?:[0-9]{{4}}|[0-9]{{2}})|(?:1er|[0-9]{{1,2}})\s+{_MONTHS}\s+[0-9]{{4}})"
_BORN = r"\bn[ée]e?s?(?:\(e\)|·e)?"
_BIRTHPLACE = rf"(?:\s+(?:à|a)\s+[{_UPPER}][\w'’-]*(?:[ -][{_UPPER}][\w'’-]*){{0,3}}(?:\s+\([0-9]{{2,3}}\))?,?)?"
_BIRTH_DATE_RE = re.compile(
    rf"(?:{_BORN}{_BIRTHPLACE}\s+le\s+(?P<day>{_DAY_DATE})"
    rf"|{_BORN}{_BIRTHPLACE}\s+en\s+(?P<month>(?:{_MONTHS}\s+)?[0-9]{{4}})(?![0-9])"
    rf"|(?:date\s+de\s+naissance|\bDDN)\s*(?::|-|–|est|le|du)?\s*(?:le\s+)?(?P<field>{_DAY_DATE})"
    rf"|\bnaissance\s*:\s*(?P<label>{_DAY_DATE}))",
    re.I,
)


def find_birth_dates(text: str) -> Iterator[Candidate]:
    for match in _BIRTH_DATE_RE.finditer(text):
        group = next(name for name in ("day", "month", "field", "label") if match.group(name))
        yield ("BIRTH_DATE", match.start(group), match.end(group), 0.95)


# ---------------------------------------------------------------- postal addresses
_STREET_TYPES = (
    r"(?i:rue|avenue|av\.|bd|boulevard|bld|chemin|ch\.|all[ée]e|place|pl\.|impasse|imp\.|route|rte|quai|cours|square|"
    r"passage|sentier|faubourg|fbg|rond-point|lotissement|r[ée]sidence|cit[ée]|hameau|esplanade|parvis|promenade|voie)"
)
_PARTICLE = r"(?:(?:de|du|des|la|le|les|aux|au|sur|en|et)\s+|[dl]['’])"
_STREET_WORD = rf"[{_UPPER}0-9][\w'’-]*"
_ADDRESS_RE = re.compile(
    rf"(?<![\w,.])[0-9]{{1,4}}(?:\s?(?:bis|ter|quater)\b)?,?\s+{_STREET_TYPES}\s+"
    rf"{_PARTICLE}*{_STREET_WORD}(?:[ -]{_PARTICLE}*{_STREET_WORD}){{0,5}}"
    rf"(?:,?\s+(?:[0-9]{{5}}|[0-9]{{2}} [0-9]{{3}})\s+[{_UPPER}][\w'’-]*(?:[ -]{_PARTICLE}*[{_UPPER}][\w'’-]*){{0,3}})?"
)


def find_addresses(text: str) -> Iterator[Candidate]:
    for match in _ADDRESS_RE.finditer(text):
        # A capitalised word glued to the end is the next sentence's ("… 69003 Lyon Le patient …").
        words = [(m.start(), m.end()) for m in re.finditer(r"[^\s,]+", match.group())]
        while len(words) > 3 and match.group()[words[-1][0]:words[-1][1]].lower() in _FUNCTION_WORDS:
            words.pop()
        yield ("ADDRESS", match.start(), match.start() + words[-1][1], 0.9)


# The platform's own recognizers, each a plain function of the text (testable without the model).
FINDERS: dict[str, Callable[[str], Iterable[Candidate]]] = {
    "titled_names": find_titled_names,
    "social_security_numbers": find_social_security_numbers,
    "rpps_numbers": find_rpps_numbers,
    "phone_numbers": find_phone_numbers,
    "birth_dates": find_birth_dates,
    "addresses": find_addresses,
}

