"""The assessment enums, registered with the schema once."""

from __future__ import annotations

import strawberry

from db.models import assessments as models

strawberry.enum(
    models.QuestionKind,
    name="QuestionKind",
    description="SINGLE_CHOICE: one right option; MULTIPLE_CHOICE: every right option and no "
    "wrong one; NUMERIC: a number within the key's tolerance; SHORT_TEXT: one of the accepted "
    "answers, ignoring case and extra spaces.",
)
strawberry.enum(
    models.AssessmentStatus,
    name="AssessmentStatus",
    description="DRAFT: only its author sees and edits it; PUBLISHED: frozen, open to sit.",
)
strawberry.enum(
    models.AttemptStatus,
    name="AttemptStatus",
    description="IN_PROGRESS while answers are saved; SUBMITTED once graded.",
)
strawberry.enum(
    models.ResultSource,
    name="ResultSource",
    description="ASSESSMENT: an attempt here; EXTERNAL: a test recorded by the student.",
)

QuestionKind = models.QuestionKind
AssessmentStatus = models.AssessmentStatus
AttemptStatus = models.AttemptStatus
ResultSource = models.ResultSource
