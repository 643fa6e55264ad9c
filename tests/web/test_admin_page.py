"""`/admin`: the pipeline's figures as server-rendered SVG charts, for admins only."""

from __future__ import annotations

import httpx

from .conftest import Server, csrf_from, sign_up, unique_name

PASSWORD = "admin-page-password-1"


def _log_in(client: httpx.Client, username: str) -> None:
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": username, "password": PASSWORD},
    )
    assert done.status_code == 303, done.text


def test_admin_sees_the_figures_as_svg_charts(server: Server, admin_api: httpx.Client) -> None:
    ran = admin_api.post("/execution/run?wait=true", json={"code": "print(1)"})
    assert ran.status_code == 200, ran.text
    admin = unique_name("boss")
    made = server.env | {"CODERUNNER_ADMIN_PASSWORD": PASSWORD}
    result = Server(server.web_url, server.api_url, server.data_dir, made).coderunner(
        "create-admin", "--username", admin, "--data-dir", str(server.data_dir)
    )
    assert result.returncode == 0, result.stderr
    with httpx.Client(base_url=server.web_url, timeout=60) as client:
        _log_in(client, admin)
        page = client.get("/admin")
        assert page.status_code == 200, page.text
        html = page.text
        for figure in ("Queue depth now", "Run time", "Wait before running", "Verdicts"):
            assert figure in html
        for part in ("<svg", "<rect", "Success rate", "Sandbox failures"):
            assert part in html
        # the CSP allows neither inline scripts nor inline styles
        assert "<script>" not in html
        assert " style=" not in html
        assert ">OK<" in html  # the run above, in the verdict mix
        assert client.get("/admin?hours=24").status_code == 200


def test_learners_cannot_open_it(server: Server, web: httpx.Client) -> None:
    sign_up(web, unique_name("kid"), PASSWORD)
    assert web.get("/admin").status_code == 403
