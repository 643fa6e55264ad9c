"""Class bodies (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from coderunner.execution.schemas import JobOut
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import APIModel, InputModel
from coderunner.problems.schemas import ComparisonIn, TestCaseIn
from coderunner.progress.schemas import LeaderboardEntry

MAX_NAMES = 40


class ClassIn(InputModel):
    name: str = Field(min_length=1, max_length=64)
    age_group: AgeGroup
    help_failures: int = Field(default=3, ge=1, le=50)
    help_idle_minutes: int = Field(default=10, ge=1, le=240)


class ClassUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    help_failures: int | None = Field(default=None, ge=1, le=50)
    help_idle_minutes: int | None = Field(default=None, ge=1, le=240)


class JoinIn(InputModel):
    join_code: str = Field(min_length=1, max_length=32)


class TeacherIn(InputModel):
    username: str = Field(min_length=1, max_length=64)


class NamesIn(InputModel):
    names: list[str] = Field(min_length=1, max_length=MAX_NAMES)


class PersonOut(APIModel):
    id: str
    username: str


class LearnerOut(PersonOut):
    managed: bool
    joined_at: datetime


class ClassOut(APIModel):
    id: str
    name: str
    age_group: str
    join_code: str | None = Field(description="teachers only; shown as ABCD-EFGH")
    role: str = Field(description="the caller's place in the class: teacher, learner or admin")
    learner_count: int
    help_failures: int
    help_idle_minutes: int
    created_at: datetime


class ClassDetailOut(ClassOut):
    teachers: list[PersonOut]
    learners: list[LearnerOut]


class ClassesOut(APIModel):
    classes: list[ClassOut]


class CreatedAccount(APIModel):
    id: str
    username: str
    password: str


class CreatedAccountsOut(APIModel):
    accounts: list[CreatedAccount] = Field(description="passwords are shown this once")


class PasswordOut(APIModel):
    id: str
    username: str
    password: str


class CellOut(APIModel):
    status: str = Field(description="not_started, attempted or solved")
    attempts: int
    last_verdict: str | None
    time_spent_s: int
    hints_used: int
    updated_at: datetime | None


class HelpReason(APIModel):
    kind: str = Field(description="failures (same problem N times) or idle (M minutes)")
    problem_id: str | None = None
    message: str


class GridLearner(APIModel):
    id: str
    username: str
    solved: int
    attempted: int
    last_active_at: datetime | None
    open_levels: list[int]
    teacher_unlocks: list[int]
    needs_help: bool
    help: list[HelpReason]
    cells: dict[str, CellOut] = Field(description="problem id -> cell; absent: not started")


class GridProblem(APIModel):
    id: str
    title: str
    level_number: int


class GridLevel(APIModel):
    number: int
    title: str
    problem_count: int


class GridOut(APIModel):
    class_id: str
    age_group: str
    generated_at: datetime
    help_failures: int
    help_idle_minutes: int
    levels: list[GridLevel]
    problems: list[GridProblem]
    learners: list[GridLearner]


class ClassUnlockIn(InputModel):
    level_number: int = Field(ge=1, le=1000)
    learner_id: str | None = Field(default=None, min_length=1, max_length=36)


class CellDetailOut(APIModel):
    learner: PersonOut
    problem: GridProblem
    cell: CellOut
    latest_code: str | None = Field(description="the learner's latest run or submission")
    latest_job: JobOut | None


class ClassProblemIn(InputModel):
    """A new puzzle written in the challenge form: it belongs to the class (age group and level
    are the class's; it is never in the catalogue)."""

    title: str = Field(min_length=1, max_length=200)
    statement: str = Field(min_length=1, max_length=100_000)
    starter_code: str = Field(default="", max_length=65536)
    hints: list[str] = Field(default_factory=list, max_length=20)
    comparison: ComparisonIn = Field(default_factory=ComparisonIn)
    reference_solution: str = Field(default="", max_length=65536)
    tests: list[TestCaseIn] = Field(default_factory=list, max_length=50)


class ChallengeIn(InputModel):
    title: str = Field(min_length=1, max_length=80)
    problem_ids: list[str] = Field(
        default_factory=list, max_length=20, description="puzzles picked from the catalogue"
    )
    new_problems: list[ClassProblemIn] = Field(
        default_factory=list, max_length=5, description="puzzles written for this class now"
    )
    opens_at: datetime
    closes_at: datetime
    contest: bool = False


class ChallengeProblemOut(APIModel):
    id: str
    title: str
    age_group: str
    level_number: int
    own: bool = Field(default=False, description="written for this class")


class ChallengeOut(APIModel):
    id: str
    class_id: str
    class_name: str
    title: str
    opens_at: datetime
    closes_at: datetime
    contest: bool
    state: str = Field(description="upcoming, open or closed")
    problems: list[ChallengeProblemOut] = Field(description="empty for learners until it opens")
    solved: list[str] = Field(default_factory=list, description="learners: problems I solved")


class ChallengesOut(APIModel):
    challenges: list[ChallengeOut]


class ResultRow(APIModel):
    rank: int
    learner_id: str | None = Field(description="null for a classmate who keeps their name hidden")
    name: str
    solved: int
    minutes: int = Field(description="contest: minutes from opening to each solve, summed")
    is_me: bool
    solved_problems: list[str]


class ChallengeResultsOut(APIModel):
    challenge: ChallengeOut
    rows: list[ResultRow]


class ClassLeaderboardOut(APIModel):
    class_id: str
    class_name: str
    week_start: datetime
    entries: list[LeaderboardEntry]
