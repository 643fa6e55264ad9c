"""deploy/nginx/coderunner.conf made runnable by an unprivileged test: free ports, a prefix dir."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .conftest import DEPLOY, ROOT

SITE = DEPLOY / "nginx" / "coderunner.conf"
STATIC = ROOT / "src" / "coderunner" / "web" / "static"


def _upstream(text: str, name: str, ports: list[int]) -> str:
    block = re.compile(
        rf"(upstream {name} \{{\n    least_conn;\n)((?:    #.*\n)?(?:    server .*\n)+)"
    )
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in ports
    )
    text, count = block.subn(lambda m: m.group(1) + servers, text)
    assert count == 1, f"upstream {name} not found in {SITE}"
    return text


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is not in {SITE} exactly once"
    return text.replace(old, new)


def render_site(
    api_ports: list[int], web_ports: list[int], internal_port: int, public_port: int
) -> str:
    """The shipped site file with its upstreams, listeners and static root moved."""
    text = SITE.read_text()
    text = _upstream(text, "coderunner_api", api_ports)
    text = _upstream(text, "coderunner_web", web_ports)
    text = _replace_once(text, "listen 127.0.0.1:4000;", f"listen 127.0.0.1:{internal_port};")
    text = _replace_once(text, "listen 80;", f"listen 127.0.0.1:{public_port};")
    return _replace_once(
        text, "alias /opt/coderunner/src/coderunner/web/static/;", f"alias {STATIC}/;"
    )


def write_main_config(prefix: Path, site: str) -> Path:
    """An nginx.conf (foreground, logs and temp files under `prefix`) including `site`."""
    for sub in ("logs", "tmp", "conf"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    (prefix / "conf" / "coderunner.conf").write_text(site)
    main = prefix / "conf" / "nginx.conf"
    # as root, workers would switch to `nobody`, who can't read the test's private temp dirs
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format gateway '$request_method $uri $status "$upstream_addr" "$upstream_status" '
                       '$server_port c$connection/$connection_requests '
                       'up_bytes="$upstream_bytes_received" sent=$body_bytes_sent '
                       'done=$request_completion t=$request_time ut="$upstream_response_time" '
                       '$msec';
    access_log {prefix}/logs/access.log gateway;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/conf/coderunner.conf;
}}
"""
    )
    return main
