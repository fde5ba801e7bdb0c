"""The report questionnaire as data (PRODUCT §3): its vocabularies, its questions and the rules their answers
follow. Forms, summaries, exports, statistics and guides all read it; it imports nothing of theirs."""

from app.questionnaire.questions import (  # noqa: F401
    BY_NAME,
    CONSENTS,
    QUESTIONS,
    Question,
    applicable_free_texts,
    display,
    hidden_questions,
    is_required,
    multiple_names,
    names,
    parse_decimal,
    start_month,
    step_questions,
    without_consents,
)
from app.questionnaire.rules import MAX_RAW_SIZE, Completeness, check_completeness, raw_answers, step_errors  # noqa: F401
from app.questionnaire.vocabularies import *  # noqa: F401,F403
from app.questionnaire.vocabularies import FREE_TEXT_FIELDS, STEP_COUNT, STEPS  # noqa: F401
