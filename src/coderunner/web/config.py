"""What the web process needs to know, read from the project's settings object."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

DEFAULT_API_URL = "http://127.0.0.1:4000"


@dataclass(frozen=True)
class WebConfig:
    api_url: str = DEFAULT_API_URL
    # seconds the web process waits for the API on a page render; SSE streams have no read timeout
    api_timeout_s: float = 15.0
    # force the Secure flag on cookies even when the request arrived over plain HTTP
    # (behind a TLS-terminating proxy that does not forward the scheme)
    secure_cookies: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> WebConfig:
        """Read the fields we use from the project's `Settings` (or the environment if None)."""
        api_url = getattr(settings, "api_url", None) or os.environ.get(
            "CODERUNNER_API_URL", DEFAULT_API_URL
        )
        secure = getattr(settings, "secure_cookies", None)
        if secure is None:
            secure = os.environ.get("CODERUNNER_SECURE_COOKIES", "").lower() in {"1", "true"}
        return cls(api_url=str(api_url).rstrip("/"), secure_cookies=bool(secure))
