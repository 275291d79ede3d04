"""Chapters, assessments and attempts through the API, as clients make them."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models.users import Role
from tests.accounts import Account, login, new_email, register_with_role
from tests.study_api import mutate

CREATE_CHAPTER = """mutation ($input: CreateChapterInput!) { createChapter(input: $input) {
    chapter { id subject name examWeight } errors { code field } } }"""
QUESTION_FIELDS = """id position kind prompt choices points difficulty
    chapter { id name } key { choices number tolerance texts }"""
ASSESSMENT_FIELDS = f"""assessment {{ id title description status timeLimitMinutes
    publishedAt maxScore questions {{ {QUESTION_FIELDS} }} }} errors {{ code field }}"""
CREATE_ASSESSMENT = f"""mutation ($input: CreateAssessmentInput!) {{
    createAssessment(input: $input) {{ {ASSESSMENT_FIELDS} }} }}"""
UPDATE_ASSESSMENT = f"""mutation ($id: ID!, $input: UpdateAssessmentInput!) {{
    updateAssessment(id: $id, input: $input) {{ {ASSESSMENT_FIELDS} }} }}"""
PUBLISH = f"""mutation ($id: ID!) {{ publishAssessment(id: $id) {{ {ASSESSMENT_FIELDS} }} }}"""
ATTEMPT_FIELDS = """attempt { id status startedAt deadlineAt submittedAt score maxScore
    correctCount questionCount accuracy timeTakenSeconds
    assessment { id title }
    answers { questionId choices number text correct }
    chapterResults { chapter { name } source title correct wrong unanswered accuracy minutes }
    badgesEarned { code } } errors { code field }"""
START = f"""mutation ($assessmentId: ID!) {{ startAttempt(assessmentId: $assessmentId) {{
    {ATTEMPT_FIELDS} }} }}"""
SAVE = f"""mutation ($input: SaveAnswerInput!) {{ saveAnswer(input: $input) {{
    {ATTEMPT_FIELDS} }} }}"""
SUBMIT = f"""mutation ($attemptId: ID!) {{ submitAttempt(attemptId: $attemptId) {{
    {ATTEMPT_FIELDS} }} }}"""
RECORD = """mutation ($input: RecordTestResultInput!) { recordTestResult(input: $input) {
    results { chapter { name } source title correct wrong unanswered accuracy minutes takenAt }
    errors { code field } } }"""


async def staff(
    client: httpx.AsyncClient, engine: AsyncEngine, role: Role = Role.INSTRUCTOR
) -> Account:
    """A new account with the role, signed in again so its token carries the role."""
    account = await register_with_role(client, engine, role)
    session = await login(client, account.email)
    return Account(account.id, account.email, session["accessToken"], session["refreshToken"])


async def create_chapter(
    client: httpx.AsyncClient, author: Account, name: str, weight: float = 0.25, subject: str = ""
) -> str:
    payload = await mutate(
        client,
        author,
        CREATE_CHAPTER,
        input={"subject": subject or f"Physics {new_email()}", "name": name, "examWeight": weight},
    )
    assert payload["errors"] == [], payload
    return str(payload["chapter"]["id"])


def four_questions(mechanics: str, optics: str) -> list[dict[str, Any]]:
    """One question of each kind: two on mechanics, two on optics; 1 + 2 + 3 + 4 points."""
    return [
        {
            "kind": "SINGLE_CHOICE",
            "prompt": "Unit of force?",
            "chapterId": mechanics,
            "difficulty": "EASY",
            "choices": ["joule", "newton", "watt"],
            "key": {"choices": [1]},
            "points": 1,
        },
        {
            "kind": "MULTIPLE_CHOICE",
            "prompt": "Vector quantities?",
            "chapterId": mechanics,
            "difficulty": "MEDIUM",
            "choices": ["velocity", "mass", "force", "time"],
            "key": {"choices": [2, 0]},
            "points": 2,
        },
        {
            "kind": "NUMERIC",
            "prompt": "Refractive index of water?",
            "chapterId": optics,
            "difficulty": "MEDIUM",
            "key": {"number": 1.33, "tolerance": 0.01},
            "points": 3,
        },
        {
            "kind": "SHORT_TEXT",
            "prompt": "What bends light in a lens?",
            "chapterId": optics,
            "difficulty": "HARD",
            "key": {"texts": ["Refraction"]},
            "points": 4,
        },
    ]


async def published_assessment(
    client: httpx.AsyncClient, author: Account, time_limit: int | None = None
) -> dict[str, Any]:
    """A published assessment of four_questions(); its payload's assessment."""
    mechanics = await create_chapter(client, author, "Mechanics", 0.6)
    optics = await create_chapter(client, author, "Optics", 0.4)
    created = await mutate(
        client,
        author,
        CREATE_ASSESSMENT,
        input={
            "title": "Physics mock 1",
            "questions": four_questions(mechanics, optics),
            "timeLimitMinutes": time_limit,
        },
    )
    assert created["errors"] == [], created
    published = await mutate(client, author, PUBLISH, id=created["assessment"]["id"])
    assert published["errors"] == [], published
    return dict(published["assessment"])


async def start(client: httpx.AsyncClient, student: Account, assessment_id: str) -> dict[str, Any]:
    started = await mutate(client, student, START, assessmentId=assessment_id)
    assert started["errors"] == [], started
    return dict(started["attempt"])
