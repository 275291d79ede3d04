"""G13: every operation, role and (own or someone else's), at the root and on edges.

The table is the specification: each later domain adds its operations as rows.

"own" means the target is the caller themselves (their account, objects they created);
"other" means a second, freshly registered user. An anonymous caller owns nothing, so
their target is always the second user.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.models.users import Role
from tests.accounts import Account, gql, login, register, register_with_role
from tests.assessment_api import (
    CREATE_ASSESSMENT,
    create_chapter,
    four_questions,
    published_assessment,
    staff,
    start,
)
from tests.graphql import post
from tests.schedule_api import RESCHEDULE, UNLOCK, at, set_windows, tomorrow
from tests.social_api import (
    a_friend,
    a_group_challenge,
    a_private_group,
    a_public_group,
    a_request_to,
)
from tests.study_api import (
    add_blocked_site,
    add_milestone,
    create_goal,
    create_task,
    mutate,
    pause_focus_session,
    start_focus_session,
)

OK = "ok"
NULL = "null"  # the field answers, but with nothing of the other user's

# Creates, as the target, what a row acts on; returns the variables naming it (global ids).
Setup = Callable[[httpx.AsyncClient, Account], Awaitable[dict[str, Any]]]
# The same, for what needs an admin to exist first (rewards, badges).
AdminSetup = Callable[[httpx.AsyncClient, Account, AsyncEngine], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Row:
    operation: str
    query: str
    variables: Callable[[Account], dict[str, Any]]  # given the target account
    expected: dict[tuple[str, str], str]  # (role, "own" | "other") -> outcome
    # Run first; its variables join `variables`, and its ids must not reach a caller who
    # may not see them (anyone but an admin who reads).
    setup: Setup | None = None
    # A query run as the target before and after the call, with the same variables: its
    # answer must stay the same, except when the call succeeded on the caller's own data,
    # where it must change (so that "unchanged" proves something).
    state: str | None = None
    admin_setup: AdminSetup | None = None


def no_variables(_: Account) -> dict[str, Any]:
    return {}


def target_id(target: Account) -> dict[str, Any]:
    return {"id": target.id}


EVERYONE_OWN = {"STUDENT": OK, "INSTRUCTOR": OK, "ADMIN": OK}

USER_ROWS = [
    Row(
        "me",
        "{ me { id } }",
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"}
        | {(r, "own"): v for r, v in EVERYONE_OWN.items()},
    ),
    Row(
        "node(User)",
        "query ($id: ID!) { node(id: $id) { id } }",
        target_id,
        {
            ("ANONYMOUS", "other"): "UNAUTHENTICATED",
            ("STUDENT", "own"): OK,
            ("STUDENT", "other"): OK,
            ("INSTRUCTOR", "other"): OK,
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "User.email",
        "query ($id: ID!) { node(id: $id) { ... on User { email } } }",
        target_id,
        {
            ("STUDENT", "own"): OK,
            ("STUDENT", "other"): NULL,
            ("INSTRUCTOR", "other"): NULL,
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "User.preferences (edge)",
        "query ($id: ID!) { node(id: $id) { ... on User { preferences { timeZone } } } }",
        target_id,
        {
            ("STUDENT", "own"): OK,
            ("STUDENT", "other"): "FORBIDDEN",
            ("INSTRUCTOR", "other"): "FORBIDDEN",
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "users",
        "{ users(first: 10) { edges { node { id email } } } }",
        no_variables,
        {
            ("ANONYMOUS", "other"): "UNAUTHENTICATED",
            ("STUDENT", "other"): "FORBIDDEN",
            ("INSTRUCTOR", "other"): "FORBIDDEN",
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "setUserRole",
        "mutation ($id: ID!) { setUserRole(userId: $id, role: STUDENT) { errors { code } } }",
        target_id,
        {
            ("ANONYMOUS", "other"): "UNAUTHENTICATED",
            ("STUDENT", "other"): "FORBIDDEN",
            ("STUDENT", "own"): "FORBIDDEN",
            ("INSTRUCTOR", "other"): "FORBIDDEN",
            ("ADMIN", "other"): OK,
            ("ADMIN", "own"): "CANNOT_CHANGE_OWN_ROLE",
        },
    ),
    Row(
        "updateProfile",
        'mutation { updateProfile(input: {displayName: "Z"}) { user { id } errors { code } } }',
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED", ("STUDENT", "own"): OK},
    ),
    Row(
        "updatePreferences",
        "mutation { updatePreferences(input: {dayStartHour: 6}) { errors { code } } }",
        no_variables,
        {
            ("ANONYMOUS", "own"): "UNAUTHENTICATED",
            ("STUDENT", "own"): OK,
            ("INSTRUCTOR", "own"): OK,
        },
    ),
    Row(
        "deleteAccount",
        'mutation { deleteAccount(password: "wrong password here") { errors { code } } }',
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED", ("STUDENT", "own"): "INVALID_CREDENTIALS"},
    ),
    Row(
        "logoutEverywhere",
        "mutation { logoutEverywhere { ok } }",
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED", ("STUDENT", "own"): OK},
    ),
    Row(
        "exportMyData",
        "mutation { exportMyData { job { id } } }",
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"},
    ),
    Row(
        "job",
        'query { job(id: "Sm9iOjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMQ") { id } }',
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED", ("STUDENT", "other"): NULL},
    ),
    Row(
        "logout",
        'mutation { logout(refreshToken: "unknown") { ok } }',
        no_variables,
        {("ANONYMOUS", "own"): OK, ("STUDENT", "own"): OK},
    ),
]


# --- goals, milestones, tasks, focus: everything is the caller's own ---------------------

SIGNED_IN = ("STUDENT", "INSTRUCTOR", "ADMIN")


def every_role(whose: str, outcome: str) -> dict[tuple[str, str], str]:
    return {(role, whose): outcome for role in SIGNED_IN}


# goal(id), task(id), node(id) and edges: only the owner, and admins, may read.
PRIVATE_READ = (
    {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
    | every_role("own", OK)
    | {("STUDENT", "other"): "FORBIDDEN", ("INSTRUCTOR", "other"): "FORBIDDEN"}
    | {("ADMIN", "other"): OK}
)
# "My ..." lists: the caller's own; on "other" the target's objects must not show up.
MY_LIST = (
    {("ANONYMOUS", "own"): "UNAUTHENTICATED"} | every_role("own", OK) | every_role("other", OK)
)
# Creating something of one's own.
MY_NEW = {("ANONYMOUS", "own"): "UNAUTHENTICATED"} | every_role("own", OK)
# Changing an object by id: someone else's does not exist, for admins too.
MY_CHANGE = (
    {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
    | every_role("own", OK)
    | every_role("other", "NOT_FOUND")
)

TAKEN_PATTERN = "news.example.com"


async def a_goal(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return {"goalId": await create_goal(client, owner)}


async def a_milestone(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    goal = await create_goal(client, owner)
    return {"goalId": goal, "milestoneId": await add_milestone(client, owner, goal)}


async def a_goal_with_two_milestones(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    goal = await create_goal(client, owner)
    first = await add_milestone(client, owner, goal, "Limits")
    second = await add_milestone(client, owner, goal, "Derivatives")
    return {"goalId": goal, "milestoneIds": [second, first]}  # their reverse order


async def a_task(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return {"taskId": await create_task(client, owner)}


async def a_planned_task(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    """A task under a milestone of a goal, for the edges between them."""
    ids = await a_milestone(client, owner)
    return ids | {"taskId": await create_task(client, owner, milestoneId=ids["milestoneId"])}


async def a_focus_session(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return {"sessionId": await start_focus_session(client, owner)}


async def a_paused_focus_session(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    session = await start_focus_session(client, owner)
    return {"sessionId": await pause_focus_session(client, owner, session)}


async def a_focus_session_on_task(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    task = await create_task(client, owner)
    return {"taskId": task, "sessionId": await start_focus_session(client, owner, task)}


async def a_blocked_site(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return {"siteId": await add_blocked_site(client, owner, TAKEN_PATTERN)}


# State queries (run as the target).
MY_GOALS = "{ goals(first: 10) { edges { node { id } } } }"
GOAL_STATE = """query ($goalId: ID!) { goal(id: $goalId) {
    title status milestones { id title } tasks(first: 10) { edges { node { id } } } } }"""
MILESTONE_STATE = """query ($milestoneId: ID!) { node(id: $milestoneId) {
    id ... on Milestone { title position tasks(first: 10) { edges { node { id } } } } } }"""
MY_TASKS = "{ tasks(first: 10) { edges { node { id } } } }"
TASK_STATE = """query ($taskId: ID!) { task(id: $taskId) {
    title status estimatedMinutes dependsOn { id } } }"""
MY_FOCUS_SESSIONS = "{ focusSessions(first: 10) { edges { node { id status } } } }"
SESSION_STATE = """query ($sessionId: ID!) { node(id: $sessionId) {
    id ... on FocusSession { status pauseCount distractionCount } } }"""
MY_BLOCKED_SITES = "{ blockedSites { id pattern active } }"

GOAL_ROWS = [
    Row("goals", MY_GOALS, no_variables, MY_LIST, a_goal),
    Row(
        "goal",
        "query ($goalId: ID!) { goal(id: $goalId) { id title } }",
        no_variables,
        PRIVATE_READ,
        a_goal,
    ),
    Row(
        "node(Goal)",
        "query ($goalId: ID!) { node(id: $goalId) { id ... on Goal { title } } }",
        no_variables,
        PRIVATE_READ,
        a_goal,
    ),
    Row(
        "Goal.milestones, Goal.tasks (edges)",
        """query ($goalId: ID!) { goal(id: $goalId) {
            milestones { id } tasks(first: 5) { edges { node { id } } } } }""",
        no_variables,
        PRIVATE_READ,
        a_planned_task,
    ),
    Row(
        "node(Milestone), Milestone.goal, Milestone.tasks (edges)",
        """query ($milestoneId: ID!) { node(id: $milestoneId) { id ... on Milestone {
            title goal { id } tasks(first: 5) { edges { node { id } } } } } }""",
        no_variables,
        PRIVATE_READ,
        a_planned_task,
    ),
    Row(
        "User.goals (edge)",
        """query ($id: ID!) { node(id: $id) { ... on User {
            goals(first: 5) { edges { node { id } } } } } }""",
        target_id,
        PRIVATE_READ,
        a_goal,
    ),
    Row(
        "createGoal",
        """mutation { createGoal(input: {title: "Pass Algebra", category: SKILL}) {
            goal { id } errors { code } } }""",
        no_variables,
        MY_NEW,
        state=MY_GOALS,
    ),
    Row(
        "updateGoal",
        """mutation ($goalId: ID!) {
            updateGoal(id: $goalId, input: {title: "Renamed"}) { goal { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_goal,
        GOAL_STATE,
    ),
    Row(
        "archiveGoal",
        "mutation ($goalId: ID!) { archiveGoal(id: $goalId) { goal { id } errors { code } } }",
        no_variables,
        MY_CHANGE,
        a_goal,
        GOAL_STATE,
    ),
    Row(
        "deleteGoal",
        "mutation ($goalId: ID!) { deleteGoal(id: $goalId) { deletedGoalId errors { code } } }",
        no_variables,
        MY_CHANGE,
        a_milestone,  # the goal goes with its milestone
        GOAL_STATE,
    ),
    Row(
        "addMilestone",
        """mutation ($goalId: ID!) { addMilestone(input: {goalId: $goalId, title: "Integrals"}) {
            milestone { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_goal,
        GOAL_STATE,
    ),
    Row(
        "updateMilestone",
        """mutation ($milestoneId: ID!) {
            updateMilestone(id: $milestoneId, input: {title: "Renamed"}) {
            milestone { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_milestone,
        MILESTONE_STATE,
    ),
    Row(
        "deleteMilestone",
        """mutation ($milestoneId: ID!) { deleteMilestone(id: $milestoneId) {
            deletedMilestoneId errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_milestone,
        MILESTONE_STATE,
    ),
    Row(
        "reorderMilestones",
        """mutation ($goalId: ID!, $milestoneIds: [ID!]!) {
            reorderMilestones(goalId: $goalId, milestoneIds: $milestoneIds) {
            goal { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_goal_with_two_milestones,
        GOAL_STATE,
    ),
]

TASK_ROWS = [
    Row("tasks", MY_TASKS, no_variables, MY_LIST, a_task),
    Row(
        "task",
        "query ($taskId: ID!) { task(id: $taskId) { id title } }",
        no_variables,
        PRIVATE_READ,
        a_task,
    ),
    Row(
        "node(Task), Task.goal, Task.milestone, Task.dependsOn (edges)",
        """query ($taskId: ID!) { node(id: $taskId) {
            id ... on Task { title goal { id } milestone { id } dependsOn { id } } } }""",
        no_variables,
        PRIVATE_READ,
        a_planned_task,
    ),
    Row(
        "createTask(goalId)",
        """mutation ($goalId: ID!) {
            createTask(input: {title: "Revise", estimatedMinutes: 30, goalId: $goalId}) {
            task { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_goal,
        GOAL_STATE,
    ),
    Row(
        "createTask(milestoneId)",
        """mutation ($milestoneId: ID!) {
            createTask(input: {title: "Revise", estimatedMinutes: 30, milestoneId: $milestoneId}) {
            task { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_milestone,
        MILESTONE_STATE,
    ),
    Row(
        "createTask(dependsOn)",
        """mutation ($taskId: ID!) {
            createTask(input: {title: "Revise", estimatedMinutes: 30, dependsOn: [$taskId]}) {
            task { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_task,
        MY_TASKS,
    ),
    Row(
        "updateTask",
        """mutation ($taskId: ID!) {
            updateTask(id: $taskId, input: {title: "Renamed", estimatedMinutes: 45}) {
            task { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_task,
        TASK_STATE,
    ),
    Row(
        "deleteTask",
        "mutation ($taskId: ID!) { deleteTask(id: $taskId) { deletedTaskId errors { code } } }",
        no_variables,
        MY_CHANGE,
        a_task,
        TASK_STATE,
    ),
    Row(
        "completeTask",
        """mutation ($taskId: ID!) { completeTask(id: $taskId, actualMinutes: 20) {
            task { id } timeliness errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_task,
        TASK_STATE,
    ),
    Row(
        "skipTask",
        """mutation ($taskId: ID!) { skipTask(id: $taskId, reason: "Too easy") {
            task { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_task,
        TASK_STATE,
    ),
]

FOCUS_ROWS = [
    Row(
        "activeFocusSession",
        "{ activeFocusSession { id } }",
        no_variables,
        # The caller's own open session; with only the target's open, theirs is none.
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | every_role("other", NULL),
        a_focus_session,
    ),
    Row("focusSessions", MY_FOCUS_SESSIONS, no_variables, MY_LIST, a_focus_session),
    Row(
        "focusStats",
        "{ focusStats(period: WEEK) { sessions focusedMinutes productivityScore } }",
        no_variables,
        MY_NEW,
    ),
    Row(
        "node(FocusSession), FocusSession.task (edge)",
        """query ($sessionId: ID!) { node(id: $sessionId) {
            id ... on FocusSession { status task { id } } } }""",
        no_variables,
        PRIVATE_READ,
        a_focus_session_on_task,
    ),
    Row("blockedSites", MY_BLOCKED_SITES, no_variables, MY_LIST, a_blocked_site),
    Row(
        "node(BlockedSite)",
        """query ($siteId: ID!) { node(id: $siteId) {
            id ... on BlockedSite { pattern active } } }""",
        no_variables,
        PRIVATE_READ,
        a_blocked_site,
    ),
    Row(
        "startFocusSession",
        """mutation { startFocusSession(plannedMinutes: 30) {
            focusSession { id } errors { code } } }""",
        no_variables,
        MY_NEW,
        state=MY_FOCUS_SESSIONS,
    ),
    Row(
        "startFocusSession(taskId)",
        """mutation ($taskId: ID!) { startFocusSession(taskId: $taskId) {
            focusSession { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_task,
        TASK_STATE,
    ),
    Row(
        "pauseFocusSession",
        """mutation ($sessionId: ID!) { pauseFocusSession(id: $sessionId) {
            focusSession { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_focus_session,
        SESSION_STATE,
    ),
    Row(
        "resumeFocusSession",
        """mutation ($sessionId: ID!) { resumeFocusSession(id: $sessionId) {
            focusSession { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_paused_focus_session,
        SESSION_STATE,
    ),
    Row(
        "completeFocusSession",
        """mutation ($sessionId: ID!) { completeFocusSession(id: $sessionId) {
            focusSession { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_focus_session,
        SESSION_STATE,
    ),
    Row(
        "abandonFocusSession",
        """mutation ($sessionId: ID!) { abandonFocusSession(id: $sessionId) {
            focusSession { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_focus_session,
        SESSION_STATE,
    ),
    Row(
        "logDistraction",
        "mutation { logDistraction(kind: WEBSITE) { focusSession { id } errors { code } } }",
        no_variables,
        # Always against the caller's own open session: the target's is out of reach.
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | every_role("other", "NO_ACTIVE_SESSION"),
        a_focus_session,
        SESSION_STATE,
    ),
    Row(
        "addBlockedSite",
        """mutation { addBlockedSite(pattern: "video.example.com") {
            blockedSite { id } errors { code } } }""",
        no_variables,
        MY_NEW,
        state=MY_BLOCKED_SITES,
    ),
    Row(
        "addBlockedSite(a pattern the target blocks)",
        f"""mutation {{ addBlockedSite(pattern: "{TAKEN_PATTERN}") {{
            blockedSite {{ id }} errors {{ code }} }} }}""",
        no_variables,
        # Patterns are unique per user: someone else's list is no obstacle.
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", "SITE_ALREADY_BLOCKED")
        | every_role("other", OK),
        a_blocked_site,
        MY_BLOCKED_SITES,
    ),
    Row(
        "toggleBlockedSite",
        """mutation ($siteId: ID!) { toggleBlockedSite(id: $siteId) {
            blockedSite { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_blocked_site,
        MY_BLOCKED_SITES,
    ),
    Row(
        "removeBlockedSite",
        """mutation ($siteId: ID!) { removeBlockedSite(id: $siteId) {
            removedBlockedSiteId errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_blocked_site,
        MY_BLOCKED_SITES,
    ),
]

# --- gamification: my points and redemptions are mine; catalogs and boards are shared ----


async def a_completed_task(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    """A HARD task of 2 hours, completed: (10 + 20) x 2 x 1.01 -> 61 points."""
    task = await create_task(client, owner, difficulty="HARD", estimatedMinutes=120)
    await mutate(client, owner, COMPLETE_TASK, id=task)
    return {"taskId": task}


async def a_reward(
    client: httpx.AsyncClient, owner: Account, engine: AsyncEngine
) -> dict[str, Any]:
    admin = await register_with_role(client, engine, Role.ADMIN)
    admin_session = await login(client, admin.email)
    admin = Account(admin.id, admin.email, admin_session["accessToken"], "")
    payload = await mutate(client, admin, CREATE_REWARD)
    assert payload["errors"] == [], payload
    return {"rewardId": payload["reward"]["id"]}


async def a_reward_and_points(
    client: httpx.AsyncClient, owner: Account, engine: AsyncEngine
) -> dict[str, Any]:
    return await a_reward(client, owner, engine) | await a_completed_task(client, owner)


async def a_redemption(
    client: httpx.AsyncClient, owner: Account, engine: AsyncEngine
) -> dict[str, Any]:
    ids = await a_reward_and_points(client, owner, engine)
    payload = await mutate(client, owner, REDEEM, rewardId=ids["rewardId"])
    assert payload["errors"] == [], payload
    return ids | {"redemptionId": payload["redemption"]["id"]}


async def a_badge(client: httpx.AsyncClient, owner: Account, engine: AsyncEngine) -> dict[str, Any]:
    admin = await register_with_role(client, engine, Role.ADMIN)
    admin_session = await login(client, admin.email)
    admin = Account(admin.id, admin.email, admin_session["accessToken"], "")
    payload = await mutate(client, admin, CREATE_BADGE.replace("CODE", "FIRST_STEPS"))
    assert payload["errors"] == [], payload
    return {"badgeId": payload["badge"]["id"]}


COMPLETE_TASK = "mutation ($id: ID!) { completeTask(id: $id) { errors { code } } }"
CREATE_REWARD = """mutation { createReward(input: {name: "Sticker", cost: 20, stock: 5,
    tier: BRONZE}) { reward { id } errors { code } } }"""
REDEEM = """mutation ($rewardId: ID!) { redeemReward(rewardId: $rewardId, idempotencyKey: "k1") {
    redemption { id } errors { code } } }"""
CREATE_BADGE = """mutation { createBadge(input: {code: "CODE", name: "First steps",
    criterion: TASKS_COMPLETED, threshold: 1}) { badge { id } errors { code } } }"""
MY_POINTS = "{ myPoints { balance total weekly monthly } }"
REDEMPTION_STATE = """query ($redemptionId: ID!) { node(id: $redemptionId) {
    id ... on Redemption { status } } }"""
ANYONE_SIGNED_IN = {("ANONYMOUS", "own"): "UNAUTHENTICATED"} | every_role("own", OK)
ADMINS_ONLY = {
    ("ANONYMOUS", "own"): "UNAUTHENTICATED",
    ("STUDENT", "own"): "FORBIDDEN",
    ("INSTRUCTOR", "own"): "FORBIDDEN",
    ("ADMIN", "own"): OK,
}
# Settling someone's redemption: admins only, students not even for their own.
ADMIN_SETTLES = {
    ("ANONYMOUS", "other"): "UNAUTHENTICATED",
    ("STUDENT", "own"): "FORBIDDEN",
    ("STUDENT", "other"): "FORBIDDEN",
    ("INSTRUCTOR", "other"): "FORBIDDEN",
    ("ADMIN", "other"): OK,
}

GAMIFICATION_ROWS = [
    Row("myPoints", MY_POINTS, no_variables, MY_LIST, a_completed_task),
    Row(
        "pointHistory",
        "{ pointHistory(first: 5) { edges { node { id amount sourceId } } } }",
        no_variables,
        MY_LIST,
        a_completed_task,
    ),
    Row(
        "levelCurve",
        "{ levelCurve(upTo: 3) { level totalXp } }",
        no_variables,
        {("ANONYMOUS", "own"): OK} | every_role("own", OK),
    ),
    Row(
        "streak",
        "{ streak { current longest freezesHeld } }",
        no_variables,
        MY_LIST,
        a_completed_task,
    ),
    Row("badges", "{ badges { id code } }", no_variables, ANYONE_SIGNED_IN, admin_setup=a_badge),
    Row(
        "myBadges",
        "{ myBadges { badge { id } value } }",
        no_variables,
        MY_LIST,
        a_completed_task,
        admin_setup=a_badge,
    ),
    Row(
        "node(Badge)",
        "query ($badgeId: ID!) { node(id: $badgeId) { id ... on Badge { code } } }",
        no_variables,
        ANYONE_SIGNED_IN,
        admin_setup=a_badge,
    ),
    Row(
        "createBadge",
        CREATE_BADGE.replace("CODE", "TEN_TASKS"),
        no_variables,
        ADMINS_ONLY,
        state="{ badges { code } }",
    ),
    # Leaderboards are shared: other users' places are the point of them.
    Row(
        "leaderboard",
        "{ leaderboard(period: ALL_TIME) { participants entries { points } } }",
        no_variables,
        ANYONE_SIGNED_IN,
    ),
    Row(
        "myLeague",
        "{ myLeague { tier standings { rank points } } }",
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | every_role("other", NULL),  # the caller has no points, hence no league
        a_completed_task,
    ),
    Row(
        "leagueResults",
        "{ leagueResults { rank outcome } }",
        no_variables,
        ANYONE_SIGNED_IN,
        a_completed_task,
    ),
    Row(
        "rewards",
        "{ rewards(first: 5) { edges { node { id cost stock } } } }",
        no_variables,
        ANYONE_SIGNED_IN,
        admin_setup=a_reward,
    ),
    Row(
        "node(Reward)",
        "query ($rewardId: ID!) { node(id: $rewardId) { id ... on Reward { stock } } }",
        no_variables,
        ANYONE_SIGNED_IN,
        admin_setup=a_reward,
    ),
    Row(
        "redeemReward",
        REDEEM,
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"} | every_role("own", OK),
        state=MY_POINTS,
        admin_setup=a_reward_and_points,
    ),
    Row(
        "myRedemptions",
        "{ myRedemptions(first: 5) { edges { node { id status reward { id } } } } }",
        no_variables,
        MY_LIST,
        admin_setup=a_redemption,
    ),
    Row(
        "node(Redemption), Redemption.reward (edge)",
        """query ($redemptionId: ID!) { node(id: $redemptionId) {
            id ... on Redemption { cost reward { id } } } }""",
        no_variables,
        PRIVATE_READ,
        admin_setup=a_redemption,
    ),
    Row(
        "createReward",
        CREATE_REWARD,
        no_variables,
        ADMINS_ONLY,
        state="{ rewards(first: 5) { edges { node { id } } } }",
    ),
    Row(
        "fulfillRedemption",
        """mutation ($redemptionId: ID!) { fulfillRedemption(id: $redemptionId) {
            redemption { id status } errors { code } } }""",
        no_variables,
        ADMIN_SETTLES,
        admin_setup=a_redemption,
    ),
    Row(
        "cancelRedemption",
        """mutation ($redemptionId: ID!) { cancelRedemption(id: $redemptionId) {
            redemption { id status } errors { code } } }""",
        no_variables,
        ADMIN_SETTLES,
        admin_setup=a_redemption,
    ),
]


async def a_task_to_move(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    await set_windows(client, owner, [("00:00", "23:59")])
    return await a_task(client, owner)


async def a_locked_slot(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    ids = await a_task_to_move(client, owner)
    moved = await mutate(client, owner, RESCHEDULE, taskId=ids["taskId"], start=MOVE_TO)
    return ids | {"slotId": moved["slot"]["id"]}


async def an_unlocked_slot(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    ids = await a_locked_slot(client, owner)
    await mutate(client, owner, UNLOCK, slotId=ids["slotId"])
    return ids


MOVE_TO = at(tomorrow(), 10).isoformat()
SLOT_STATE = """query ($slotId: ID!) { node(id: $slotId) {
    id ... on ScheduleSlot { locked startAt } } }"""
TASK_PLAN_STATE = """query ($taskId: ID!) { task(id: $taskId) { reason } }"""
MY_DAY = f"""{{ schedule(date: "{tomorrow().isoformat()}") {{ slots {{ id task {{ id }} }} }} }}"""

SCHEDULE_ROWS = [
    Row("schedule", MY_DAY, no_variables, MY_LIST, a_locked_slot),
    Row(
        "weekSchedule",
        f"""{{ weekSchedule(weekStart: "{tomorrow().isoformat()}") {{
            days {{ slots {{ id }} }} }} }}""",
        no_variables,
        MY_LIST,
        a_locked_slot,
    ),
    Row(
        "upcomingSlots",
        "{ upcomingSlots(first: 10) { edges { node { id } } } }",
        no_variables,
        MY_LIST,
        a_locked_slot,
    ),
    Row("planStatus", "{ planStatus { version atRisk { code } } }", no_variables, MY_LIST),
    Row("node(ScheduleSlot)", SLOT_STATE, no_variables, PRIVATE_READ, a_locked_slot),
    Row(
        "generateSchedule",
        "mutation { generateSchedule(days: 3) { job { id kind } errors { code } } }",
        no_variables,
        # As exportMyData: this app sends no jobs; tests/test_schedules.py plans as a user.
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"},
    ),
    Row(
        "rescheduleTask",
        f"""mutation ($taskId: ID!) {{ rescheduleTask(taskId: $taskId, start: "{MOVE_TO}") {{
            slot {{ id locked }} errors {{ code }} }} }}""",
        no_variables,
        MY_CHANGE,
        a_task_to_move,
        TASK_PLAN_STATE,
    ),
    Row(
        "lockSlot",
        """mutation ($slotId: ID!) { lockSlot(slotId: $slotId) {
            slot { id locked } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        an_unlocked_slot,
        SLOT_STATE,
    ),
    Row(
        "unlockSlot",
        """mutation ($slotId: ID!) { unlockSlot(slotId: $slotId) {
            slot { id locked } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_locked_slot,
        SLOT_STATE,
    ),
]

MY_FRIENDS = "{ friends(first: 5) { edges { node { userId } } } }"

SOCIAL_ROWS = [
    Row("friends", MY_FRIENDS, no_variables, MY_LIST, a_friend),
    Row(
        "friendRequests",
        "{ friendRequests(first: 5) { edges { node { id sender { userId } } } } }",
        no_variables,
        MY_LIST,
        a_request_to,
    ),
    # Anyone signed in may ask anyone else; asking oneself is refused.
    Row(
        "sendFriendRequest",
        """mutation ($id: ID!) { sendFriendRequest(userId: $id) {
            request { id status } errors { code } } }""",
        target_id,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", "CANNOT_FRIEND_SELF")
        | every_role("other", OK),
    ),
    # Only the recipient answers: to anyone else, admins too, the request does not exist.
    Row(
        "respondToFriendRequest",
        """mutation ($requestId: ID!) { respondToFriendRequest(requestId: $requestId,
            accept: true) { request { id status } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_request_to,
        MY_FRIENDS,
    ),
    # Ending someone else's friendship: the caller is not friends with that user.
    Row(
        "removeFriend",
        """mutation ($friendId: ID!) { removeFriend(userId: $friendId) {
            removed errors { code } } }""",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | every_role("other", "NOT_FRIENDS"),
        a_friend,
        MY_FRIENDS,
    ),
]

GROUP_STATE = "query ($groupId: ID!) { studyGroup(id: $groupId) { memberCount } }"

GROUP_ROWS = [
    # The target's private group must not show up in anyone else's search.
    Row(
        "studyGroups",
        "{ studyGroups(first: 5) { edges { node { id } } } }",
        no_variables,
        MY_LIST,
        a_private_group,
    ),
    # A private group: its members, and the site's admins, read it; to others it is null.
    Row(
        "studyGroup",
        """query ($groupId: ID!) { studyGroup(id: $groupId) { id name
            members(first: 5) { edges { node { userId } } } } }""",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | {("STUDENT", "other"): NULL, ("INSTRUCTOR", "other"): NULL, ("ADMIN", "other"): OK},
        a_private_group,
    ),
    Row(
        "createStudyGroup",
        """mutation { createStudyGroup(input: {name: "Mine", visibility: PUBLIC}) {
            group { id } errors { code } } }""",
        no_variables,
        MY_NEW,
    ),
    # Without its code a private group does not exist, for admins too.
    Row(
        "joinStudyGroup",
        """mutation ($groupId: ID!) { joinStudyGroup(groupId: $groupId) {
            group { id } errors { code } } }""",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", "ALREADY_MEMBER")
        | every_role("other", "NOT_FOUND"),
        a_private_group,
        GROUP_STATE,
    ),
    Row(
        "leaveStudyGroup",
        """mutation ($groupId: ID!) { leaveStudyGroup(groupId: $groupId) {
            left errors { code } } }""",
        no_variables,
        MY_CHANGE,
        a_public_group,
        GROUP_STATE,
    ),
    Row(
        "setGroupMemberRole",
        """mutation ($groupId: ID!, $id: ID!) { setGroupMemberRole(groupId: $groupId,
            userId: $id, role: ADMIN) { member { role } errors { code } } }""",
        target_id,
        MY_CHANGE,
        a_public_group,
    ),
]


def a_week_long_challenge(_: Account) -> dict[str, Any]:
    now = utcnow()
    fields = {"title": "Mine", "metric": "TASKS_COMPLETED", "target": 3}
    period = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(days=7)).isoformat()}
    return {"input": fields | period}


CHALLENGE_STATE = "query ($challengeId: ID!) { challenge(id: $challengeId) { participantCount } }"

CHALLENGE_ROWS = [
    # A group's challenge must not show up for anyone outside the group.
    Row(
        "challenges",
        "{ challenges(first: 5) { edges { node { id } } } }",
        no_variables,
        MY_LIST,
        a_group_challenge,
    ),
    Row(
        "challenge",
        """query ($challengeId: ID!) { challenge(id: $challengeId) { id
            standings { userId } } }""",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | every_role("other", NULL),
        a_group_challenge,
    ),
    Row(
        "createChallenge",
        """mutation ($input: CreateChallengeInput!) { createChallenge(input: $input) {
            challenge { id } errors { code } } }""",
        a_week_long_challenge,
        MY_NEW,
    ),
    Row(
        "joinChallenge",
        """mutation ($challengeId: ID!) { joinChallenge(challengeId: $challengeId) {
            challenge { id } errors { code } } }""",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", "ALREADY_JOINED")
        | every_role("other", "NOT_FOUND"),
        a_group_challenge,
        CHALLENGE_STATE,
    ),
    Row(
        "leaderboard(CHALLENGE)",
        """query ($challengeId: ID!) { leaderboard(period: ALL_TIME, scope: CHALLENGE,
            scopeId: $challengeId) { participants } }""",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | every_role("other", "NOT_FOUND"),
        a_group_challenge,
    ),
]


# --- assessments --------------------------------------------------------------------------


async def a_draft(client: httpx.AsyncClient, _: Account, engine: AsyncEngine) -> dict[str, Any]:
    """A draft of an instructor who is neither the caller nor the target."""
    author = await staff(client, engine)
    chapter = await create_chapter(client, author, "Statics")
    created = await mutate(
        client,
        author,
        CREATE_ASSESSMENT,
        input={"title": "Draft", "questions": four_questions(chapter, chapter)[:1]},
    )
    return {"assessmentId": created["assessment"]["id"]}


async def a_published(client: httpx.AsyncClient, _: Account, engine: AsyncEngine) -> dict[str, Any]:
    assessment = await published_assessment(client, await staff(client, engine))
    return {"assessmentId": assessment["id"]}


async def an_attempt(
    client: httpx.AsyncClient, owner: Account, engine: AsyncEngine
) -> dict[str, Any]:
    """The owner's attempt in progress, and its first question."""
    assessment = await published_assessment(client, await staff(client, engine))
    attempt = await start(client, owner, assessment["id"])
    return {"attemptId": attempt["id"], "questionId": assessment["questions"][0]["id"]}


async def a_chapter(client: httpx.AsyncClient, _: Account, engine: AsyncEngine) -> dict[str, Any]:
    return {"chapterId": await create_chapter(client, await staff(client, engine), "Optics")}


def a_new_chapter(_: Account) -> dict[str, Any]:
    return {"subject": f"Subject {uuid.uuid4()}"}


def now_variable(_: Account) -> dict[str, Any]:
    return {"takenAt": utcnow().isoformat()}


AUTHORS_ONLY = {
    ("ANONYMOUS", "own"): "UNAUTHENTICATED",
    ("STUDENT", "own"): "FORBIDDEN",
    ("INSTRUCTOR", "own"): OK,
    ("ADMIN", "own"): OK,
}
# Someone else's draft: hidden from students and other instructors, an admin's to change.
OTHERS_DRAFT_CHANGE = {
    ("ANONYMOUS", "other"): "UNAUTHENTICATED",
    ("STUDENT", "other"): "FORBIDDEN",
    ("INSTRUCTOR", "other"): "NOT_FOUND",
    ("ADMIN", "other"): OK,
}
ATTEMPT_STATE = """query ($attemptId: ID!) { attempt(id: $attemptId) { status
    answers { questionId } } }"""

ASSESSMENT_ROWS = [
    Row(
        "chapters",
        "{ chapters(first: 5) { edges { node { id } } } }",
        no_variables,
        ANYONE_SIGNED_IN,
        admin_setup=a_chapter,
    ),
    Row(
        "createChapter",
        """mutation ($subject: String!) { createChapter(input: {subject: $subject,
            name: "Optics", examWeight: 0.5}) { chapter { id } errors { code } } }""",
        a_new_chapter,
        AUTHORS_ONLY,
    ),
    Row(
        "createAssessment",
        """mutation { createAssessment(input: {title: "Quiz", questions: []}) {
            assessment { id } errors { code } } }""",
        no_variables,
        AUTHORS_ONLY,
    ),
    # Someone else's draft must not show up in anyone's list but an admin's.
    Row(
        "assessments",
        "{ assessments(first: 50) { edges { node { id } } } }",
        no_variables,
        MY_LIST,
        admin_setup=a_draft,
    ),
    Row(
        "assessment(draft)",
        "query ($assessmentId: ID!) { assessment(id: $assessmentId) { id } }",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | {("STUDENT", "other"): NULL, ("INSTRUCTOR", "other"): NULL, ("ADMIN", "other"): OK},
        admin_setup=a_draft,
    ),
    Row(
        "updateAssessment",
        """mutation ($assessmentId: ID!) { updateAssessment(id: $assessmentId,
            input: {title: "Taken over"}) { assessment { id } errors { code } } }""",
        no_variables,
        OTHERS_DRAFT_CHANGE,
        admin_setup=a_draft,
    ),
    Row(
        "publishAssessment",
        """mutation ($assessmentId: ID!) { publishAssessment(id: $assessmentId) {
            assessment { id } errors { code } } }""",
        no_variables,
        OTHERS_DRAFT_CHANGE,
        admin_setup=a_draft,
    ),
    Row(
        "startAttempt",
        """mutation ($assessmentId: ID!) { startAttempt(assessmentId: $assessmentId) {
            attempt { id } errors { code } } }""",
        no_variables,
        ANYONE_SIGNED_IN,
        admin_setup=a_published,
    ),
    Row(
        "saveAnswer",
        """mutation ($attemptId: ID!, $questionId: ID!) { saveAnswer(input: {
            attemptId: $attemptId, questionId: $questionId, choices: [1]}) {
            attempt { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        admin_setup=an_attempt,
        state=ATTEMPT_STATE,
    ),
    Row(
        "submitAttempt",
        """mutation ($attemptId: ID!) { submitAttempt(attemptId: $attemptId) {
            attempt { id } errors { code } } }""",
        no_variables,
        MY_CHANGE,
        admin_setup=an_attempt,
        state=ATTEMPT_STATE,
    ),
    Row(
        "attempt",
        "query ($attemptId: ID!) { attempt(id: $attemptId) { id status } }",
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED"}
        | every_role("own", OK)
        | {("STUDENT", "other"): NULL, ("INSTRUCTOR", "other"): NULL, ("ADMIN", "other"): OK},
        admin_setup=an_attempt,
    ),
    Row(
        "attempts",
        "{ attempts(first: 10) { edges { node { id } } } }",
        no_variables,
        MY_LIST,
        admin_setup=an_attempt,
    ),
    Row(
        "recordTestResult",
        """mutation ($chapterId: ID!, $takenAt: DateTime!) { recordTestResult(input: {
            title: "Mock", takenAt: $takenAt, chapters: [{chapterId: $chapterId, correct: 3,
            wrong: 1}]}) { results { correct } errors { code } } }""",
        now_variable,
        MY_NEW,
        admin_setup=a_chapter,
    ),
]

MATRIX = (
    USER_ROWS
    + GOAL_ROWS
    + TASK_ROWS
    + FOCUS_ROWS
    + GAMIFICATION_ROWS
    + SCHEDULE_ROWS
    + SOCIAL_ROWS
    + GROUP_ROWS
    + CHALLENGE_ROWS
    + ASSESSMENT_ROWS
)

CASES = [
    pytest.param(row, role, whose, outcome, id=f"{row.operation}-{role}-{whose}")
    for row in MATRIX
    for (role, whose), outcome in row.expected.items()
]


def outcome_of(body: dict[str, Any]) -> str:
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    data = body["data"]
    payload = next(iter(data.values()))
    if isinstance(payload, dict) and payload.get("errors"):
        return str(payload["errors"][0]["code"])
    if _has_null_leaf(payload):
        return NULL
    return OK


def _has_null_leaf(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null_leaf(v) for k, v in value.items() if k != "errors")
    if isinstance(value, list):
        return any(_has_null_leaf(v) for v in value)
    return False


def _ids(variables: dict[str, Any]) -> list[str]:
    values = [v if isinstance(v, list) else [v] for v in variables.values()]
    return [str(v) for group in values for v in group]


async def _state_of(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], target: Account
) -> Any:
    body = await gql(client, query, variables, target)
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.parametrize(("row", "role", "whose", "expected"), CASES)
async def test_matrix(
    client: httpx.AsyncClient, db: AsyncEngine, row: Row, role: str, whose: str, expected: str
) -> None:
    other = await register(client)
    caller: Account | None = None
    if role != "ANONYMOUS":
        registered = await register_with_role(client, db, Role(role))
        session = await login(client, registered.email)  # a token carrying the role
        caller = Account(registered.id, registered.email, session["accessToken"], "")
    # "own": the caller themselves; "other" (and any anonymous call): the second user.
    target = caller if whose == "own" and caller is not None else other
    variables = row.variables(target)
    created = await row.setup(client, target) if row.setup else {}
    if row.admin_setup:
        created |= await row.admin_setup(client, target, db)
    variables |= created
    before = await _state_of(client, row.state, variables, target) if row.state else None

    response = await post(
        client,
        row.query,
        variables,
        headers=caller.headers if caller else None,
    )

    assert outcome_of(response.json()) == expected, response.json()
    if target is not caller and not (role == "ADMIN" and expected == OK):
        leaked = [i for i in _ids(created) if i in response.text]
        assert not leaked, f"the target's {leaked} reached the caller: {response.json()}"
    if row.state:
        after = await _state_of(client, row.state, variables, target)
        if expected == OK and target is caller:
            assert after != before, "the state query does not see the change"
        else:
            assert after == before, "the target's data changed"
