"""Answer keys and responses: checking their shape per question kind, and grading.

A key is {"choices": [indexes]} for choice questions, {"number": x, "tolerance": t} for
numeric ones and {"texts": [accepted]} for short text; a response is {"choices": [...]},
{"number": x} or {"text": "..."}. Multiple choice is all or nothing: every right option
and no wrong one. Short text compares case-folded with runs of spaces made one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.errors import UserInputError
from db.models.assessments import CHOICE_MAX, QuestionKind

CHOICES_MIN = 2
CHOICES_MAX = 10
TEXTS_MAX = 10
TEXT_MAX = 500
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


@dataclass(frozen=True)
class Given:
    """What an input names for a key or a response; which parts apply depends on the kind."""

    choices: list[int] | None = None
    number: float | None = None
    tolerance: float | None = None
    texts: list[str] | None = None


def accuracy_of(correct: int, questions: int) -> float:
    """Right answers over all the questions: unanswered ones count as not right."""
    return correct / questions if questions else 0.0


def normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def check_choices(kind: QuestionKind, choices: list[str] | None, field: str) -> list[str]:
    if kind not in CHOICE_KINDS:
        if choices:
            raise UserInputError(
                f"A {kind} question has no options", code="INVALID_CHOICES", field=field
            )
        return []
    cleaned = [" ".join(choice.split()) for choice in choices or []]
    if not CHOICES_MIN <= len(cleaned) <= CHOICES_MAX:
        raise UserInputError(
            f"A choice question has {CHOICES_MIN} to {CHOICES_MAX} options",
            code="INVALID_CHOICES",
            field=field,
        )
    if any(not choice or len(choice) > CHOICE_MAX for choice in cleaned):
        raise UserInputError(
            f"Each option has 1 to {CHOICE_MAX} characters", code="INVALID_CHOICES", field=field
        )
    if len({normalised(choice) for choice in cleaned}) != len(cleaned):
        raise UserInputError("Two options read the same", code="INVALID_CHOICES", field=field)
    return cleaned


def _indexes(given: list[int] | None, options: int, kind: QuestionKind) -> list[int] | None:
    """The chosen indexes, sorted, or None when they do not fit the question."""
    if given is None or len(set(given)) != len(given) or not given:
        return None
    if any(not 0 <= i < options for i in given):
        return None
    if kind is QuestionKind.SINGLE_CHOICE and len(given) != 1:
        return None
    return sorted(given)


def _only(given: Given, allowed: set[str]) -> bool:
    named = {
        name
        for name in ("choices", "number", "tolerance", "texts")
        if getattr(given, name) is not None
    }
    return named <= allowed


def check_key(kind: QuestionKind, options: int, given: Given, field: str) -> dict[str, Any]:
    """The stored key, or INVALID_ANSWER_KEY naming what the kind needs."""

    def refuse(need: str) -> UserInputError:
        return UserInputError(
            f"A {kind} question's key is {need}", code="INVALID_ANSWER_KEY", field=field
        )

    if kind in CHOICE_KINDS:
        chosen = _indexes(given.choices, options, kind)
        if chosen is None or not _only(given, {"choices"}):
            one = "exactly one" if kind is QuestionKind.SINGLE_CHOICE else "one or more distinct"
            raise refuse(f"{one} of its option indexes")
        return {"choices": chosen}
    if kind is QuestionKind.NUMERIC:
        tolerance = 0.0 if given.tolerance is None else given.tolerance
        if (
            given.number is None
            or not math.isfinite(given.number)
            or not math.isfinite(tolerance)
            or tolerance < 0
            or not _only(given, {"number", "tolerance"})
        ):
            raise refuse("a finite number and a tolerance of 0 or more")
        return {"number": given.number, "tolerance": tolerance}
    texts = [" ".join(text.split()) for text in given.texts or []]
    if (
        not 1 <= len(texts) <= TEXTS_MAX
        or any(not text or len(text) > TEXT_MAX for text in texts)
        or not _only(given, {"texts"})
    ):
        raise refuse(f"1 to {TEXTS_MAX} accepted answers of 1 to {TEXT_MAX} characters")
    return {"texts": texts}


def check_response(
    kind: QuestionKind,
    options: int,
    choices: list[int] | None,
    number: float | None,
    text: str | None,
) -> dict[str, Any]:
    """The stored response, or INVALID_ANSWER when it does not fit the question."""

    def refuse(need: str) -> UserInputError:
        return UserInputError(
            f"Answer this {kind} question with {need}", code="INVALID_ANSWER", field="answer"
        )

    named = {
        n for n, v in (("choices", choices), ("number", number), ("text", text)) if v is not None
    }
    if kind in CHOICE_KINDS:
        chosen = _indexes(choices, options, kind)
        if chosen is None or named != {"choices"}:
            one = (
                "one option index"
                if kind is QuestionKind.SINGLE_CHOICE
                else "distinct option indexes"
            )
            raise refuse(one)
        return {"choices": chosen}
    if kind is QuestionKind.NUMERIC:
        if number is None or not math.isfinite(number) or named != {"number"}:
            raise refuse("a finite number")
        return {"number": number}
    cleaned = " ".join((text or "").split())
    if not cleaned or len(cleaned) > TEXT_MAX or named != {"text"}:
        raise refuse(f"a text of 1 to {TEXT_MAX} characters")
    return {"text": cleaned}


def is_correct(kind: QuestionKind, key: dict[str, Any], response: dict[str, Any]) -> bool:
    if kind in CHOICE_KINDS:
        return sorted(response["choices"]) == sorted(key["choices"])
    if kind is QuestionKind.NUMERIC:
        expected = float(key["number"])
        # A hair of slack for binary fractions: 0.1 + 0.2 answers 0.3 with no tolerance.
        slack = float(key["tolerance"]) + 1e-9 * max(1.0, abs(expected))
        return abs(float(response["number"]) - expected) <= slack
    return normalised(response["text"]) in {normalised(text) for text in key["texts"]}
