#!/usr/bin/env bash
# Installs what Code Runner needs on a fresh Debian/Ubuntu machine, then the Python environment.
#   - system: bubblewrap (the sandbox), the Debian python3, nodejs and OpenJDK 17 that learners'
#     code runs with, util-linux (prlimit, setpriv) and tzdata; installed with apt-get when we
#     are root and they are missing.
#   - Python: uv from PyPI into .tools/, then `uv sync --frozen` into .venv from uv.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
[ -x /usr/bin/python3.11 ] && [ -d /usr/lib/python3.11 ] || need+=(python3.11)
command -v prlimit >/dev/null && command -v setpriv >/dev/null || need+=(util-linux)
# the learners' JavaScript and Java (languages.yaml mounts these exact paths)
[ -x /usr/bin/node ] || need+=(nodejs)
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/javac ] || need+=(openjdk-17-jdk-headless)
[ -d /usr/share/zoneinfo ] || need+=(tzdata)  # zoneinfo in the sandbox
if [ "${1:-}" = --with-test-tools ] || [ "${CI:-}" = true ]; then
  # the suite runs nginx in front of the API, checks deploy/ with promtool and systemd-analyze,
  # and drives Chromium
  command -v nginx >/dev/null || need+=(nginx-light)
  command -v promtool >/dev/null || need+=(prometheus)
  command -v systemd-analyze >/dev/null || need+=(systemd)
  [ -x /usr/bin/chromium ] || need+=(chromium)  # the browser tests drive Debian's Chromium
fi
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "bootstrap: please install: ${need[*]} (the sandbox refuses to run code without them)" >&2
  fi
fi

if ! command -v uv >/dev/null; then
  if [ ! -x .tools/bin/uv ]; then
    if ! python3 -m venv .tools 2>/dev/null; then
      # Debian's python3 ships venv separately
      [ "$(id -u)" = 0 ] && apt-get install -y -qq python3-venv >/dev/null
      rm -rf .tools && python3 -m venv .tools
    fi
    .tools/bin/pip install -q "uv==${UV_VERSION}"
  fi
  export PATH="$PWD/.tools/bin:$PATH"
fi
# native TLS: use the system's CA store (hosts behind an inspecting proxy add their CA there)
UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never uv sync --frozen --quiet
if [ "${1:-}" = --with-test-tools ] || [ "${CI:-}" = true ]; then
  # the browser tests scan every page with axe-core, a locked devDependency of web/
  [ -f web/node_modules/axe-core/axe.min.js ] || (cd web && npm ci --no-audit --no-fund --silent)
fi
echo "bootstrap: ready (.venv/bin/coderunner)"
