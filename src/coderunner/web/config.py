"""What the web process needs to know, read from the project's settings object."""

from __future__ import annotations

from dataclasses import dataclass

from coderunner.config import Settings


@dataclass(frozen=True)
class WebConfig:
    api_url: str
    # seconds the web process waits for the API on a page render; SSE streams have no read timeout
    api_timeout_s: float
    # force the Secure flag on cookies even when the request arrived over plain HTTP
    # (behind a TLS-terminating proxy that does not forward the scheme)
    secure_cookies: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        return cls(
            api_url=settings.api_url.rstrip("/"),
            api_timeout_s=settings.web_api_timeout_s,
            secure_cookies=settings.secure_cookies,
        )
