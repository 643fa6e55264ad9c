"""Operations tests: the deploy/ files checked by their tools, nginx in front of real processes,
error reporting, metrics names (the app's fixtures come from tests/support)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
