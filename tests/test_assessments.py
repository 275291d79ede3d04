"""Assessments: written and published by instructors, sat and graded through the API,
drafts and answer keys kept from students, bad input refused with nothing changed, time
limits, concurrent starts, the PERFECT_ASSESSMENTS badge and tests recorded from
elsewhere. Both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import from_global_id
from db.base import utcnow
from db.engine import create_session_factory
from db.models.assessments import Assessment, Attempt, ChapterResult, QuestionKind
from db.models.users import Role
from resolvers.assessments.grading import is_correct
from resolvers.live import encode_cursor, follow_mine
from tests.accounts import Account, gql, register, viewer_of
from tests.assessment_api import (
    CREATE_ASSESSMENT,
    CREATE_CHAPTER,
    PUBLISH,
    RECORD,
    SAVE,
    START,
    SUBMIT,
    UPDATE_ASSESSMENT,
    create_chapter,
    four_questions,
    published_assessment,
    staff,
    start,
)
from tests.study_api import mutate

READ = """query ($id: ID!) { assessment(id: $id) { id status
    questions { prompt key { choices number tolerance texts } } } }"""
LIST = "{ assessments(first: 50) { edges { node { id title status } } } }"
ATTEMPTS = """query ($id: ID) { attempts(assessmentId: $id, first: 10) {
    edges { node { id status score } } } }"""
CREATE_BADGE = """mutation ($input: CreateBadgeInput!) { createBadge(input: $input) {
    badge { code } errors { code field } } }"""


async def save(
    client: httpx.AsyncClient, student: Account, attempt_id: str, question_id: str, **answer: Any
) -> dict[str, Any]:
    return await mutate(
        client,
        student,
        SAVE,
        input={"attemptId": attempt_id, "questionId": question_id} | answer,
    )


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_instructor_publishes_and_a_student_is_graded(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    author = await staff(client, db)
    mechanics = await create_chapter(client, author, "Mechanics", 0.6)
    optics = await create_chapter(client, author, "Optics", 0.4)
    created = await mutate(
        client,
        author,
        CREATE_ASSESSMENT,
        input={"title": "  Physics   mock ", "questions": four_questions(mechanics, optics)},
    )
    assert created["errors"] == []
    draft = created["assessment"]
    assert (draft["title"], draft["status"], draft["maxScore"]) == ("Physics mock", "DRAFT", 10)
    assert [q["position"] for q in draft["questions"]] == [1, 2, 3, 4]
    # Its author sees the key, stored sorted.
    assert [q["key"] for q in draft["questions"]] == [
        {"choices": [1], "number": None, "tolerance": None, "texts": None},
        {"choices": [0, 2], "number": None, "tolerance": None, "texts": None},
        {"choices": None, "number": 1.33, "tolerance": 0.01, "texts": None},
        {"choices": None, "number": None, "tolerance": None, "texts": ["Refraction"]},
    ]

    student = await register(client)
    hidden = await gql(client, READ, {"id": draft["id"]}, account=student)
    assert hidden == {"data": {"assessment": None}}
    listed = await gql(client, LIST, account=student)
    assert draft["id"] not in str(listed)
    refused = await mutate(client, student, START, assessmentId=draft["id"])
    assert refused == {"attempt": None, "errors": [{"code": "NOT_FOUND", "field": "assessmentId"}]}

    published = await mutate(client, author, PUBLISH, id=draft["id"])
    assert published["assessment"]["status"] == "PUBLISHED"
    seen = await gql(client, READ, {"id": draft["id"]}, account=student)
    assert [q["key"] for q in seen["data"]["assessment"]["questions"]] == [None] * 4

    attempt = await start(client, student, draft["id"])
    assert (attempt["status"], attempt["score"], attempt["deadlineAt"]) == (
        "IN_PROGRESS",
        None,
        None,
    )
    q1, q2, q3, _unanswered = (q["id"] for q in draft["questions"])
    await save(client, student, attempt["id"], q1, choices=[0])  # wrong, then changed
    await save(client, student, attempt["id"], q1, choices=[1])
    await save(client, student, attempt["id"], q2, choices=[0])  # half of the right options
    saved = await save(client, student, attempt["id"], q3, number=1.335)
    assert [(a["questionId"], a["correct"]) for a in saved["attempt"]["answers"]] == [
        (q1, None),
        (q2, None),
        (q3, None),
    ]

    submitted = await mutate(client, student, SUBMIT, attemptId=attempt["id"])
    graded = submitted["attempt"]
    assert submitted["errors"] == []
    assert (graded["status"], graded["score"], graded["maxScore"]) == ("SUBMITTED", 4, 10)
    assert (graded["correctCount"], graded["questionCount"], graded["accuracy"]) == (2, 4, 0.5)
    assert graded["timeTakenSeconds"] >= 0
    assert {a["questionId"]: a["correct"] for a in graded["answers"]} == {
        q1: True,
        q2: False,
        q3: True,
    }
    assert sorted(
        (r["chapter"]["name"], r["correct"], r["wrong"], r["unanswered"], r["accuracy"])
        for r in graded["chapterResults"]
    ) == [("Mechanics", 1, 1, 0, 0.5), ("Optics", 1, 0, 1, 0.5)]
    assert {r["source"] for r in graded["chapterResults"]} == {"ASSESSMENT"}
    assert graded["badgesEarned"] == []

    mine = await gql(client, ATTEMPTS, {"id": draft["id"]}, account=student)
    assert mine["data"]["attempts"]["edges"] == [
        {"node": {"id": attempt["id"], "status": "SUBMITTED", "score": 4}}
    ]
    theirs = await gql(client, ATTEMPTS, {"id": draft["id"]}, account=author)
    assert theirs["data"]["attempts"]["edges"] == []


def test_grading_rules() -> None:
    single, multiple = QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE
    assert is_correct(single, {"choices": [2]}, {"choices": [2]})
    assert not is_correct(single, {"choices": [2]}, {"choices": [1]})
    assert is_correct(multiple, {"choices": [0, 2]}, {"choices": [2, 0]})
    assert not is_correct(multiple, {"choices": [0, 2]}, {"choices": [0, 1, 2]})
    numeric = QuestionKind.NUMERIC
    assert is_correct(numeric, {"number": 0.3, "tolerance": 0.0}, {"number": 0.1 + 0.2})
    assert is_correct(numeric, {"number": 10, "tolerance": 0.5}, {"number": 9.5})
    assert not is_correct(numeric, {"number": 10, "tolerance": 0.5}, {"number": 9.49})
    text = QuestionKind.SHORT_TEXT
    assert is_correct(
        text, {"texts": ["Total internal  reflection"]}, {"text": "total INTERNAL reflection"}
    )
    assert not is_correct(text, {"texts": ["refraction"]}, {"text": "refractions"})


async def test_bad_questions_create_nothing(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    author = await staff(client, db)
    chapter = await create_chapter(client, author, "Kinematics")
    good = four_questions(chapter, chapter)
    single, multiple, numeric, text = good
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"title": " "}, "EMPTY_TITLE", "title"),
        ({"timeLimitMinutes": 0}, "INVALID_TIME_LIMIT", "timeLimitMinutes"),
        ({"questions": [single | {"prompt": "  "}]}, "EMPTY_PROMPT", "questions.0.prompt"),
        (
            {"questions": [numeric, single | {"choices": ["only"]}]},
            "INVALID_CHOICES",
            "questions.1.choices",
        ),
        (
            {"questions": [single | {"choices": ["a", " A "]}]},
            "INVALID_CHOICES",
            "questions.0.choices",
        ),
        (
            {"questions": [numeric | {"choices": ["a", "b"]}]},
            "INVALID_CHOICES",
            "questions.0.choices",
        ),
        (
            {"questions": [single | {"key": {"choices": [0, 1]}}]},
            "INVALID_ANSWER_KEY",
            "questions.0.key",
        ),
        (
            {"questions": [single | {"key": {"choices": [3]}}]},
            "INVALID_ANSWER_KEY",
            "questions.0.key",
        ),
        (
            {"questions": [multiple | {"key": {"choices": [1, 1]}}]},
            "INVALID_ANSWER_KEY",
            "questions.0.key",
        ),
        (
            {"questions": [numeric | {"key": {"number": 2, "tolerance": -1}}]},
            "INVALID_ANSWER_KEY",
            "questions.0.key",
        ),
        (
            {"questions": [numeric | {"key": {"texts": ["2"]}}]},
            "INVALID_ANSWER_KEY",
            "questions.0.key",
        ),
        (
            {"questions": [text | {"key": {"texts": [" "]}}]},
            "INVALID_ANSWER_KEY",
            "questions.0.key",
        ),
        ({"questions": [text | {"points": 0}]}, "INVALID_POINTS", "questions.0.points"),
        ({"questions": [text | {"chapterId": author.id}]}, "NOT_FOUND", "questions.0.chapterId"),
        ({"questions": [single] * 201}, "TOO_MANY_QUESTIONS", "questions"),
    ]
    for change, code, field in cases:
        payload = await mutate(
            client, author, CREATE_ASSESSMENT, input={"title": "Mock", "questions": good} | change
        )
        assert payload == {"assessment": None, "errors": [{"code": code, "field": field}]}, code
    assert await count(db, Assessment) == 0

    weightless = await mutate(
        client, author, CREATE_CHAPTER, input={"subject": "S", "name": "N", "examWeight": 1.5}
    )
    assert weightless["errors"] == [{"code": "INVALID_EXAM_WEIGHT", "field": "examWeight"}]
    first = await mutate(
        client, author, CREATE_CHAPTER, input={"subject": "S", "name": "N", "examWeight": 0.5}
    )
    again = await mutate(
        client, author, CREATE_CHAPTER, input={"subject": "S", "name": " N ", "examWeight": 0.2}
    )
    assert (first["errors"], again["errors"]) == ([], [{"code": "CHAPTER_EXISTS", "field": "name"}])

    student = await register(client)
    for query, variables in (
        (CREATE_CHAPTER, {"input": {"subject": "S", "name": "M", "examWeight": 0.1}}),
        (CREATE_ASSESSMENT, {"input": {"title": "Mine", "questions": []}}),
    ):
        denied = await gql(client, query, variables, account=student)
        assert [e["extensions"]["code"] for e in denied["errors"]] == ["FORBIDDEN"]
    assert await count(db, Assessment) == 0


async def test_drafts_change_until_published(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    author = await staff(client, db)
    chapter = await create_chapter(client, author, "Waves")
    empty = await mutate(
        client, author, CREATE_ASSESSMENT, input={"title": "Empty", "questions": []}
    )
    draft_id = empty["assessment"]["id"]
    nothing = await mutate(client, author, PUBLISH, id=draft_id)
    assert nothing == {"assessment": None, "errors": [{"code": "NO_QUESTIONS", "field": "id"}]}

    other = await staff(client, db)
    for account in (other,):
        stranger = await mutate(
            client, account, UPDATE_ASSESSMENT, id=draft_id, input={"title": "Mine"}
        )
        assert stranger["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
    admin = await staff(client, db, Role.ADMIN)
    questions = four_questions(chapter, chapter)[2:]
    changed = await mutate(
        client,
        admin,
        UPDATE_ASSESSMENT,
        id=draft_id,
        input={"title": "Waves quiz", "timeLimitMinutes": 20, "questions": questions},
    )
    assessment = changed["assessment"]
    assert (assessment["title"], assessment["timeLimitMinutes"], assessment["maxScore"]) == (
        "Waves quiz",
        20,
        7,
    )
    # A fault in the new questions leaves the draft as it was.
    broken = await mutate(
        client,
        author,
        UPDATE_ASSESSMENT,
        id=draft_id,
        input={"title": "Broken", "questions": [questions[0] | {"points": 101}]},
    )
    assert broken["errors"] == [{"code": "INVALID_POINTS", "field": "questions.0.points"}]
    kept = await gql(client, READ, {"id": draft_id}, account=author)
    assert [q["prompt"] for q in kept["data"]["assessment"]["questions"]] == [
        "Refractive index of water?",
        "What bends light in a lens?",
    ]
    own = await mutate(client, author, START, assessmentId=draft_id)
    assert own["errors"] == [{"code": "ASSESSMENT_NOT_PUBLISHED", "field": "assessmentId"}]

    await mutate(client, author, PUBLISH, id=draft_id)
    for query, variables in (
        (UPDATE_ASSESSMENT, {"id": draft_id, "input": {"title": "Later"}}),
        (PUBLISH, {"id": draft_id}),
    ):
        frozen = await mutate(client, author, query, **variables)
        assert frozen["errors"] == [{"code": "ASSESSMENT_PUBLISHED", "field": "id"}]


async def test_answers_are_checked_and_attempts_end_once(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    author = await staff(client, db)
    assessment = await published_assessment(client, author)
    other_assessment = await published_assessment(client, author)
    single, multiple, numeric, text = (q["id"] for q in assessment["questions"])
    student = await register(client)
    attempt = await start(client, student, assessment["id"])
    again = await start(client, student, assessment["id"])
    assert again["id"] == attempt["id"]

    refused: list[tuple[str, dict[str, Any], str, str]] = [
        (single, {"choices": [0, 1]}, "INVALID_ANSWER", "answer"),
        (single, {"choices": [3]}, "INVALID_ANSWER", "answer"),
        (multiple, {"choices": []}, "INVALID_ANSWER", "answer"),
        (numeric, {"text": "1.33"}, "INVALID_ANSWER", "answer"),
        (numeric, {"number": 1.33, "text": "1.33"}, "INVALID_ANSWER", "answer"),
        (text, {"text": "   "}, "INVALID_ANSWER", "answer"),
        (other_assessment["questions"][0]["id"], {"choices": [1]}, "NOT_FOUND", "questionId"),
    ]
    for question_id, answer, code, field in refused:
        payload = await save(client, student, attempt["id"], question_id, **answer)
        assert payload == {"attempt": None, "errors": [{"code": code, "field": field}]}, answer
    intruder = await register(client)
    stolen = await save(client, intruder, attempt["id"], single, choices=[1])
    assert stolen["errors"] == [{"code": "NOT_FOUND", "field": "attemptId"}]
    foreign = await mutate(client, intruder, SUBMIT, attemptId=attempt["id"])
    assert foreign["errors"] == [{"code": "NOT_FOUND", "field": "attemptId"}]

    done = await mutate(client, student, SUBMIT, attemptId=attempt["id"])
    assert (done["attempt"]["score"], done["attempt"]["answers"]) == (0, [])
    assert sorted(r["unanswered"] for r in done["attempt"]["chapterResults"]) == [2, 2]
    late = await save(client, student, attempt["id"], single, choices=[1])
    twice = await mutate(client, student, SUBMIT, attemptId=attempt["id"])
    for payload in (late, twice):
        assert payload["errors"] == [{"code": "ATTEMPT_SUBMITTED", "field": "attemptId"}]
    assert await count(db, ChapterResult) == 2
    # A new sitting is a new attempt.
    assert (await start(client, student, assessment["id"]))["id"] != attempt["id"]


async def test_time_runs_out(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    author = await staff(client, db)
    assessment = await published_assessment(client, author, time_limit=30)
    single = assessment["questions"][0]["id"]
    student = await register(client)
    attempt = await start(client, student, assessment["id"])
    assert attempt["deadlineAt"] is not None
    await save(client, student, attempt["id"], single, choices=[1])
    deadline = utcnow() - timedelta(minutes=1)
    async with db.begin() as conn:
        await conn.execute(
            update(Attempt)
            .where(Attempt.id == from_global_id(attempt["id"])[1])
            .values(deadline_at=deadline, started_at=deadline - timedelta(minutes=30))
        )
    late = await save(client, student, attempt["id"], single, choices=[0])
    assert late == {"attempt": None, "errors": [{"code": "TIME_UP", "field": "attemptId"}]}

    # Starting again grades the lapsed attempt as it stood at its deadline.
    fresh = await start(client, student, assessment["id"])
    assert fresh["id"] != attempt["id"]
    body = await gql(client, ATTEMPTS, {"id": assessment["id"]}, account=student)
    assert [e["node"] for e in body["data"]["attempts"]["edges"]] == [
        {"id": attempt["id"], "status": "SUBMITTED", "score": 1},
        {"id": fresh["id"], "status": "IN_PROGRESS", "score": None},
    ]
    lapsed = await gql(
        client,
        "query ($id: ID!) { attempt(id: $id) { submittedAt timeTakenSeconds } }",
        {"id": attempt["id"]},
        account=student,
    )
    assert lapsed["data"]["attempt"]["timeTakenSeconds"] == 30 * 60


async def test_concurrent_starts_open_one_attempt(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    author = await staff(client, db)
    assessment = await published_assessment(client, author)
    student = await register(client)
    started = await asyncio.gather(
        *(mutate(client, student, START, assessmentId=assessment["id"]) for _ in range(6))
    )
    assert {payload["attempt"]["id"] for payload in started} == {started[0]["attempt"]["id"]}
    assert await count(db, Attempt) == 1


async def test_perfect_assessments_earn_their_badge_once_per_assessment(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    admin = await staff(client, db, Role.ADMIN)
    for code, threshold in (("FLAWLESS", 1), ("FLAWLESS_TWICE", 2)):
        made = await mutate(
            client,
            admin,
            CREATE_BADGE,
            input={
                "code": code,
                "name": code.title(),
                "criterion": "PERFECT_ASSESSMENTS",
                "threshold": threshold,
            },
        )
        assert made["errors"] == []
    author = await staff(client, db)
    assessment = await published_assessment(client, author)
    student = await register(client)

    async def sit_perfectly(assessment: dict[str, Any]) -> list[str]:
        single, multiple, numeric, text = (q["id"] for q in assessment["questions"])
        attempt = await start(client, student, assessment["id"])
        await save(client, student, attempt["id"], single, choices=[1])
        await save(client, student, attempt["id"], multiple, choices=[2, 0])
        await save(client, student, attempt["id"], numeric, number=1.325)
        await save(client, student, attempt["id"], text, text=" refraction ")
        done = await mutate(client, student, SUBMIT, attemptId=attempt["id"])
        assert (done["attempt"]["score"], done["attempt"]["accuracy"]) == (10, 1.0)
        return [badge["code"] for badge in done["attempt"]["badgesEarned"]]

    assert await sit_perfectly(assessment) == ["FLAWLESS"]
    # The same assessment again does not count twice.
    assert await sit_perfectly(assessment) == []
    assert await sit_perfectly(await published_assessment(client, author)) == ["FLAWLESS_TWICE"]

    # Each grade and badge was told to the student, and replays from the channel's log.
    feed = follow_mine(
        create_session_factory(db),
        viewer_of(student),
        {"attemptSubmitted", "badgeEarned"},
        after=encode_cursor(0),
    )
    told = [await asyncio.wait_for(anext(feed), 5) for _ in range(5)]
    await feed.aclose()  # type: ignore[attr-defined]
    assert [(e.seq, e.event, e.data.get("score"), e.data.get("code")) for e in told] == [
        (1, "attemptSubmitted", 10, None),
        (2, "badgeEarned", None, "FLAWLESS"),
        (3, "attemptSubmitted", 10, None),
        (4, "attemptSubmitted", 10, None),
        (5, "badgeEarned", None, "FLAWLESS_TWICE"),
    ]


async def test_a_test_taken_elsewhere_is_recorded(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    author = await staff(client, db)
    algebra = await create_chapter(client, author, "Algebra", 0.3)
    geometry = await create_chapter(client, author, "Geometry", 0.2)
    student = await register(client)
    taken = (utcnow() - timedelta(days=2)).isoformat()
    recorded = await mutate(
        client,
        student,
        RECORD,
        input={
            "title": "Mock exam 3",
            "takenAt": taken,
            "chapters": [
                {"chapterId": algebra, "correct": 8, "wrong": 2, "minutes": 15},
                {"chapterId": geometry, "correct": 3, "wrong": 4, "unanswered": 1},
            ],
        },
    )
    assert recorded["errors"] == []
    assert [
        (
            r["chapter"]["name"],
            r["source"],
            r["correct"],
            r["wrong"],
            r["unanswered"],
            r["accuracy"],
            r["minutes"],
        )
        for r in recorded["results"]
    ] == [
        ("Algebra", "EXTERNAL", 8, 2, 0, 0.8, 15.0),
        ("Geometry", "EXTERNAL", 3, 4, 1, 0.375, None),
    ]
    good = {"chapterId": algebra, "correct": 1, "wrong": 1}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"title": ""}, "EMPTY_TITLE", "title"),
        ({"takenAt": (utcnow() + timedelta(hours=1)).isoformat()}, "INVALID_TAKEN_AT", "takenAt"),
        ({"chapters": []}, "INVALID_CHAPTERS", "chapters"),
        ({"chapters": [good, good]}, "DUPLICATE_CHAPTER", "chapters"),
        ({"chapters": [good | {"correct": 0, "wrong": 0}]}, "INVALID_COUNTS", "chapters.0"),
        ({"chapters": [good | {"wrong": -1}]}, "INVALID_COUNTS", "chapters.0"),
        ({"chapters": [good | {"minutes": 1441}]}, "INVALID_MINUTES", "chapters.0.minutes"),
        (
            {"chapters": [good, good | {"chapterId": student.id}]},
            "NOT_FOUND",
            "chapters.1.chapterId",
        ),
    ]
    for change, code, field in cases:
        payload = await mutate(
            client,
            student,
            RECORD,
            input={"title": "T", "takenAt": taken, "chapters": [good]} | change,
        )
        assert payload == {"results": [], "errors": [{"code": code, "field": field}]}, code
    assert await count(db, ChapterResult) == 2
