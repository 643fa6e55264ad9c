"""Import every models module so `Base.metadata` knows all tables (Alembic, tests)."""

from __future__ import annotations

from coderunner.auth import models as auth_models
from coderunner.celebrations import models as celebration_models  # noqa: F401
from coderunner.cheatsheets import models as cheatsheet_models
from coderunner.classes import models as class_models
from coderunner.db import heartbeat as heartbeat_models  # noqa: F401
from coderunner.db.base import Base
from coderunner.drafts import models as draft_models  # noqa: F401
from coderunner.execution import models as execution_models  # noqa: F401
from coderunner.judge0 import models as judge0_models  # noqa: F401
from coderunner.learning import models as learning_models  # noqa: F401
from coderunner.lessons import models as lesson_models  # noqa: F401
from coderunner.levels import models as level_models
from coderunner.problems import models as problem_models
from coderunner.progress import models as progress_models
from coderunner.sessions import models as session_models

MODEL_MODULES = (
    auth_models,
    level_models,
    problem_models,
    cheatsheet_models,
    session_models,
    progress_models,
    class_models,
)

metadata = Base.metadata

__all__ = ["MODEL_MODULES", "Base", "metadata"]
