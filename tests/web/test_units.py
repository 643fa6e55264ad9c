"""Pure pieces of the web app: Markdown sanitising, output comparison, redirect targets."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from coderunner.web.csrf import tokens_match
from coderunner.web.headers import content_security_policy
from coderunner.web.markdown import render_markdown
from coderunner.web.views import safe_next

XSS_SOURCES = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="#" onclick="alert(1)">x</a>',
    "<iframe src='https://example.com'></iframe>",
    '<svg onload="alert(1)"></svg>',
    "![x](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
]


class _Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(name, value or "") for name, value in attrs]


@pytest.mark.parametrize("source", XSS_SOURCES)
def test_markdown_never_emits_active_html(source: str) -> None:
    parsed = _Elements()
    parsed.feed(str(render_markdown(source)))
    assert not {"script", "iframe", "svg", "object", "embed", "style"} & set(parsed.tags)
    for name, value in parsed.attrs:
        assert not name.startswith("on"), name
        assert name != "style"
        assert not value.strip().lower().startswith("javascript:"), value


def test_markdown_keeps_the_useful_parts() -> None:
    html = str(
        render_markdown("# Title\n\nSay **hi** with `print`:\n\n```python\nprint('hi')\n```")
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>hi</strong>" in html
    assert "<code>print</code>" in html
    assert "print(&#x27;hi&#x27;)" in html or "print('hi')" in html


def test_markdown_links_get_safe_rel() -> None:
    html = str(render_markdown("[docs](https://docs.python.org)"))
    assert 'href="https://docs.python.org"' in html
    assert "noopener" in html


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("/levels/7-9/1?problem=x", "/levels/7-9/1?problem=x"),
        ("https://evil.example/", "/home"),
        ("//evil.example/", "/home"),
        ("/\\evil.example", "/home"),
        ("", "/home"),
        (None, "/home"),
    ],
)
def test_safe_next_only_allows_local_paths(value: object, target: str) -> None:
    assert safe_next(value) == target


def test_csrf_tokens_must_match_exactly() -> None:
    assert tokens_match("a" * 40, "a" * 40)
    assert not tokens_match("a" * 40, "b" * 40)
    assert not tokens_match("a" * 40, None)
    assert not tokens_match(None, None)


def test_csp_forbids_inline_scripts() -> None:
    policy = content_security_policy("n0nce")
    script = next(part for part in policy.split("; ") if part.startswith("script-src"))
    assert script == "script-src 'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
