"""Every file in deploy/ passes the tool that checks its kind, and each check can fail.

systemd units: `systemd-analyze verify` (warnings count as failures); nginx: `nginx -t`;
Compose: the compose-spec JSON schema (check-jsonschema's vendored copy); Kubernetes:
kubernetes-validate --strict; Prometheus: `promtool check rules/config` and `promtool test rules`
(the alerts fire on the series they are meant for); Grafana: every panel's query is valid PromQL
(promtool parses it as a recording rule).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.ports import free_port

from .conftest import DEPLOY, ROOT
from .nginx import render_site, write_main_config

BIN = Path(sys.executable).parent
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
COMPOSE = DEPLOY / "compose" / "compose.yaml"


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: run `make test` (scripts/bootstrap.sh --with-test-tools)"
    return path


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


# systemd ------------------------------------------------------------------------------------


def _verify_units(units: dict[str, str], tmp: Path) -> list[str]:
    """Problems `systemd-analyze verify` reports for `units` (name -> text)."""
    tmp.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in units.items():
        text = text.replace("/opt/coderunner", str(ROOT))
        (tmp / name).write_text(text)
        if name.endswith("@.service"):
            instance = tmp / name.replace("@.service", "@4001.service")
            instance.write_text(text)
            paths.append(instance)
        else:
            paths.append(tmp / name)
    result = _run(_tool("systemd-analyze"), "verify", "--man=no", *paths, cwd=tmp)
    lines = (result.stdout + result.stderr).splitlines()
    problems = [line for line in lines if str(tmp) in line or "coderunner" in line]
    if result.returncode != 0 and not problems:
        problems = lines or [f"exit {result.returncode}"]
    return problems


def test_systemd_units_verify_cleanly(tmp_path: Path) -> None:
    assert {u.name for u in UNITS} == {
        "coderunner-api@.service",
        "coderunner-web@.service",
        "coderunner-worker.service",
    }
    units = {u.name: u.read_text() for u in UNITS}
    assert _verify_units(units, tmp_path / "units") == []


def test_systemd_verify_would_catch_a_mistake(tmp_path: Path) -> None:
    broken = (DEPLOY / "systemd" / "coderunner-worker.service").read_text()
    broken = broken.replace("Delegate=yes", "Delegat=yes")
    assert _verify_units({"coderunner-worker.service": broken}, tmp_path / "u")


def test_sandboxed_units_delegate_cgroups_and_keep_namespaces() -> None:
    for name in ("coderunner-api@.service", "coderunner-worker.service"):
        text = (DEPLOY / "systemd" / name).read_text()
        assert "\nDelegate=yes\n" in text, name
        # the sandbox makes user/pid/net/... namespaces and writes its cgroups
        for forbidden in ("RestrictNamespaces=", "ProtectControlGroups=yes", "PrivateUsers="):
            assert forbidden not in text, f"{name}: {forbidden} breaks the sandbox"
        assert "User=" not in text, f"{name}: the sandbox needs root for its cgroups"
    web = (DEPLOY / "systemd" / "coderunner-web@.service").read_text()
    for needed in ("DynamicUser=yes", "CapabilityBoundingSet=\n", "RestrictNamespaces=yes"):
        assert needed in web


# nginx --------------------------------------------------------------------------------------


def _nginx_test(prefix: Path, site: str) -> subprocess.CompletedProcess[str]:
    main = write_main_config(prefix, site)
    return _run(_tool("nginx"), "-t", "-p", prefix, "-c", main, "-e", prefix / "logs" / "e.log")


def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    site = render_site([free_port(), free_port()], [free_port(), free_port()], 0, 0)
    site = site.replace("listen 127.0.0.1:0;", f"listen 127.0.0.1:{free_port()};", 1)
    site = site.replace("listen 127.0.0.1:0;", f"listen 127.0.0.1:{free_port()};", 1)
    result = _nginx_test(tmp_path / "site", site)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    broken = site.replace("proxy_next_upstream_tries 3;", "proxy_next_upstream_tries three;", 1)
    assert _nginx_test(tmp_path / "broken", broken).returncode != 0


def test_nginx_of_the_compose_file_passes_nginx_t(tmp_path: Path) -> None:
    site = (DEPLOY / "compose" / "nginx-compose.conf").read_text()
    site = site.replace("server api:4000", f"server 127.0.0.1:{free_port()}")
    site = site.replace("server web:3000", f"server 127.0.0.1:{free_port()}")
    site = site.replace("listen 4000;", f"listen 127.0.0.1:{free_port()};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
    result = _nginx_test(tmp_path / "compose", site)
    assert result.returncode == 0, result.stderr


def test_nginx_rules_the_issue_asks_for() -> None:
    text = (DEPLOY / "nginx" / "coderunner.conf").read_text()
    for needed in (
        "upstream coderunner_api",
        "upstream coderunner_web",
        "proxy_buffering off;",
        "proxy_read_timeout 1h;",
        "proxy_set_header Upgrade $http_upgrade;",
        "limit_req zone=coderunner_per_ip",
        "error_page 429 = @rate_limited;",  # the edge's refusals say when to retry too
        "immutable",
    ):
        assert needed in text, needed
    # POSTs that reached an upstream are never replayed
    assert "non_idempotent" not in text.replace("(non_idempotent is off)", "")
    for name in ("coderunner_api", "coderunner_web"):
        block = text.split(f"upstream {name} {{", 1)[1].split("}", 1)[0]
        assert block.count("\n    server ") >= 2, f"{name} balances fewer than two processes"
    _passes_on_gets_of_dead_processes_only(text)


def _passes_on_gets_of_dead_processes_only(text: str) -> None:
    """GETs of a dead or restarting process go to the next one, within a bound; a 503 (a
    service-wide refusal: queue full, Redis down) is never counted as a dead process, for it
    would take every process out of rotation (ADR 0020)."""
    internal, public = text.split("\nserver {")[1:3]
    assert "proxy_next_upstream error timeout http_502 http_504;" in internal
    assert "proxy_next_upstream error timeout;" in public
    for door in (internal, public):
        rules = [line for line in door.splitlines() if line.strip().startswith("proxy_next_")]
        assert not [line for line in rules if "http_503" in line or "http_429" in line], rules
        assert "proxy_next_upstream_tries 3;" in door
        assert "proxy_next_upstream_timeout 15s;" in door


def test_the_compose_nginx_passes_on_the_same_way() -> None:
    text = (DEPLOY / "compose" / "nginx-compose.conf").read_text()
    assert "non_idempotent" not in text
    _passes_on_gets_of_dead_processes_only(text)


# Compose ------------------------------------------------------------------------------------


def _compose_check(path: Path) -> subprocess.CompletedProcess[str]:
    return _run(BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", path)


def test_compose_file_matches_the_compose_spec(tmp_path: Path) -> None:
    result = _compose_check(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load(COMPOSE.read_text())
    doc["services"]["api"]["healthcheck"]["intervall"] = "5s"
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(doc))
    assert _compose_check(broken).returncode != 0


def test_compose_runs_the_sandbox_privileged_and_the_web_locked_down() -> None:
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    assert {"api", "web", "worker", "gateway", "postgres", "redis", "migrate"} <= set(services)
    for name in ("api", "worker"):
        assert services[name]["privileged"] is True
    assert services["web"]["read_only"] is True
    assert services["web"]["cap_drop"] == ["ALL"]
    assert "privileged" not in services["web"]
    assert "/health/ready" in " ".join(services["api"]["healthcheck"]["test"])


# Kubernetes ---------------------------------------------------------------------------------


def _k8s_validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return _run(BIN / "kubernetes-validate", "--strict", *paths)


def _documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in MANIFESTS:
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def test_kubernetes_manifests_validate(tmp_path: Path) -> None:
    result = _k8s_validate(*MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed" not in result.stdout.lower()
    docs = _documents()
    docs[0]["spec"] = {"replicas": "two"}
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(docs[0]))
    assert _k8s_validate(broken).returncode != 0


def test_kubernetes_has_what_a_deployment_needs() -> None:
    docs = _documents()
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for component in ("api", "web", "worker"):
        assert ("Deployment", f"coderunner-{component}") in kinds
        assert ("HorizontalPodAutoscaler", f"coderunner-{component}") in kinds
    assert ("Service", "coderunner-api") in kinds
    assert ("Service", "coderunner-web") in kinds
    assert any(kind == "Ingress" for kind, _ in kinds)
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    api = deployments["coderunner-api"]["spec"]["template"]["spec"]["containers"][0]
    # ready: not while starting or without a database; alive: no dependency asked
    assert api["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert api["startupProbe"]["httpGet"]["path"] == "/health/ready"
    assert api["livenessProbe"]["httpGet"]["path"] == "/health/live"
    for name in ("coderunner-api", "coderunner-worker"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["securityContext"]["privileged"] is True
    web = deployments["coderunner-web"]["spec"]["template"]["spec"]
    assert web["securityContext"]["runAsNonRoot"] is True
    assert web["containers"][0]["securityContext"]["capabilities"] == {"drop": ["ALL"]}


# Prometheus and Grafana ---------------------------------------------------------------------


def test_alert_rules_check_and_fire_on_their_series() -> None:
    promtool = _tool("promtool")
    prom = DEPLOY / "prometheus"
    checked = _run(promtool, "check", "rules", prom / "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _run(promtool, "test", "rules", "alerts_test.yml", cwd=prom)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = _run(promtool, "check", "config", "--syntax-only", prom / "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr
    names = {
        r["alert"]
        for g in yaml.safe_load((prom / "alerts.yml").read_text())["groups"]
        for r in g["rules"]
    }
    assert {"CodeRunnerQueueStuck", "CodeRunnerWorkersGone", "CodeRunnerHighErrorRate"} <= names


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "coderunner.json").read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def as_promql(expr: str) -> str:
    """Grafana's range variables replaced by plain durations."""
    return re.sub(r"\$__(rate_interval|range|interval)", "5m", expr)


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    exprs = dashboard_exprs()
    assert len(exprs) >= 10
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:panel{i}", "expr": as_promql(e)}
                    for i, e in enumerate(exprs)
                ],
            }
        ]
    }
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = _run(_tool("promtool"), "check", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr
    titles = " ".join(
        p["title"]
        for p in json.loads((DEPLOY / "grafana" / "coderunner.json").read_text())["panels"]
    ).lower()
    for figure in ("queue depth", "percentiles", "verdict", "success rate", "sandbox failures"):
        assert figure in titles, figure


@pytest.mark.parametrize("path", [*MANIFESTS, COMPOSE, DEPLOY / "prometheus" / "alerts.yml"])
def test_yaml_files_parse(path: Path) -> None:
    assert list(yaml.safe_load_all(path.read_text()))
