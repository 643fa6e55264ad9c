"""Static files with content-hashed URLs: `asset_url("build/editor.js")` and their caching.

Every file under static/ is hashed once, when the app is built. Pages link to
`/static/<path>?v=<12 hex of sha256>` (the form deploy/nginx/coderunner.conf treats as immutable),
and a request carrying the file's current hash is cached for a year. Any other static request
(a module imported by a page script, an old or missing hash) must be revalidated with the
ETag / Last-Modified that StaticFiles sends, so a deploy is seen at once.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static/"
HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"


@lru_cache(maxsize=1)
def asset_hashes() -> dict[str, str]:
    """Relative path (with forward slashes) -> the first hex digits of its SHA-256."""
    hashes: dict[str, str] = {}
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
            hashes[path.relative_to(STATIC_DIR).as_posix()] = digest
    return hashes


def asset_url(path: str) -> str:
    """The URL of a static file, with its content hash when the file exists."""
    path = path.lstrip("/")
    digest = asset_hashes().get(path)
    return f"{STATIC_PREFIX}{path}?v={digest}" if digest else f"{STATIC_PREFIX}{path}"


class HashedStaticFiles(StaticFiles):
    """StaticFiles that caches forever what is asked for by its current hash, and no more."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        response.headers["cache-control"] = _cache_control(full_path, scope)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def _cache_control(full_path: str | os.PathLike[str], scope: Scope) -> str:
    try:
        relative = Path(full_path).resolve().relative_to(STATIC_DIR.resolve()).as_posix()
    except ValueError:
        return REVALIDATE
    wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [])
    current = asset_hashes().get(relative)
    return IMMUTABLE if current is not None and wanted == [current] else REVALIDATE
