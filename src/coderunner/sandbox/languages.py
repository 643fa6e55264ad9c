"""The language registry: how to build and run each language, read from `languages.yaml`."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .limits import Limits

_LIMIT_KEYS = {
    "wallTimeS": "wall_time_s",
    "cpuTimeS": "cpu_time_s",
    "memoryMb": "memory_mb",
    "cpuCores": "cpu_cores",
    "maxProcesses": "max_processes",
    "tmpfsMb": "tmpfs_mb",
    "fileSizeMb": "file_size_mb",
    "openFiles": "open_files",
    "outputKb": "output_kb",
}


class UnknownLanguageError(ValueError):
    """The language is not in the registry, or is not enabled."""


@dataclass(frozen=True, slots=True)
class Mount:
    source: str
    target: str
    optional: bool


@dataclass(frozen=True, slots=True)
class Language:
    key: str
    name: str
    version: str
    file_name: str
    run: tuple[str, ...]
    compile: tuple[str, ...] | None
    # argv of a harness that runs the program once per input in one sandbox ({wall}, {cap})
    batch: tuple[str, ...] | None
    mounts: tuple[Mount, ...]
    limit_overrides: dict[str, Any]
    enabled: bool
    # the build step's own limits over the language's (a run's requested limits never apply)
    compile_limit_overrides: dict[str, Any] = field(default_factory=dict)
    # the run and batch commands are the sandbox's init themselves (pid 1, non-dumpable)
    own_init: bool = False
    # environment variables of the run beyond the sandbox's own (PATH, HOME, LANG, TMPDIR)
    env: dict[str, str] = field(default_factory=dict)
    # single runs get a turtle drawing channel (python_turtle.py, docs/sandbox.md)
    drawing: bool = False
    # argv of the run when its sandbox is started ahead in the pool (pool.py, ADR 0014): the
    # interpreter starts, then waits on {control} for the host's go; None: never pooled
    pooled_run: tuple[str, ...] | None = None
    # the same for the batch harness ({wall}, {cap} and {control})
    pooled_batch: tuple[str, ...] | None = None
    # the same for the build step: the compiler starts, then waits for the go to build {file}
    pooled_compile: tuple[str, ...] | None = None
    # a compiled language's pooled run: our launcher's source in guest/, built once per host
    # (pooled_launcher.py) and mounted read-only at /usr/lib/coderunner-launcher
    pooled_launcher: str | None = None

    @property
    def source_path(self) -> str:
        return f"/sandbox/{self.file_name}"

    def argv(self, template: tuple[str, ...]) -> list[str]:
        return [part.replace("{file}", self.source_path) for part in template]

    def limits(self, base: Limits) -> Limits:
        return base.with_overrides(**self.limit_overrides)

    def compile_limits(self, base: Limits) -> Limits:
        return self.limits(base).with_overrides(**self.compile_limit_overrides)

    def present_mounts(self) -> list[Mount]:
        """The mounts this host can provide (optional ones it lacks are left out)."""
        return [m for m in self.mounts if not m.optional or os.path.lexists(m.source)]

    def missing(self) -> list[str]:
        """Required host paths that don't exist: the language can't run here."""
        return [m.source for m in self.mounts if not m.optional and not os.path.exists(m.source)]


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _mount(spec: str) -> Mount:
    optional = spec.startswith("?")
    spec = spec.removeprefix("?").replace("{package}", _PACKAGE_DIR)
    source, _, target = spec.partition(":")
    return Mount(source=source, target=target or source, optional=optional)


def _limit_overrides(key: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    unknown = set(raw or {}) - set(_LIMIT_KEYS)
    if unknown:
        raise ValueError(f"language {key}: unknown limits {sorted(unknown)}")
    return {_LIMIT_KEYS[k]: v for k, v in (raw or {}).items()}


def _language(key: str, raw: dict[str, Any]) -> Language:
    compile_argv = raw.get("compile")
    batch_argv = raw.get("batch")
    return Language(
        key=key,
        name=str(raw["name"]),
        version=str(raw.get("version", "")),
        file_name=str(raw["fileName"]),
        run=tuple(str(a) for a in raw["run"]),
        compile=tuple(str(a) for a in compile_argv) if compile_argv else None,
        batch=tuple(str(a) for a in batch_argv) if batch_argv else None,
        mounts=tuple(_mount(str(m)) for m in raw["mounts"]),
        limit_overrides=_limit_overrides(key, raw.get("limits")),
        enabled=bool(raw.get("enabled", True)),
        compile_limit_overrides=_limit_overrides(key, raw.get("compileLimits")),
        own_init=bool(raw.get("ownInit", False)),
        env={str(k): str(v) for k, v in (raw.get("env") or {}).items()},
        drawing=bool(raw.get("drawing", False)),
        pooled_run=tuple(str(a) for a in raw["pooledRun"]) if raw.get("pooledRun") else None,
        pooled_batch=(
            tuple(str(a) for a in raw["pooledBatch"]) if raw.get("pooledBatch") else None
        ),
        pooled_compile=(
            tuple(str(a) for a in raw["pooledCompile"]) if raw.get("pooledCompile") else None
        ),
        pooled_launcher=str(raw["pooledLauncher"]) if raw.get("pooledLauncher") else None,
    )


def parse_registry(text: str) -> dict[str, Language]:
    # libyaml's parser when PyYAML has it: ~0.3 ms for this file where the pure-Python one takes
    # ~10 ms, on every `coderunner exec`; the same safe constructor either way
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    if not isinstance(data, dict):
        raise ValueError("language registry must be a mapping")
    return {key: _language(key, raw) for key, raw in data.items()}


@functools.cache
def registry(path: Path | None = None) -> dict[str, Language]:
    if path is not None:
        return parse_registry(path.read_text())
    text = resources.files("coderunner.sandbox").joinpath("languages.yaml").read_text()
    return parse_registry(text)


def get_language(key: str, languages: dict[str, Language] | None = None) -> Language:
    languages = registry() if languages is None else languages
    language = languages.get(key)
    if language is None or not language.enabled:
        enabled = sorted(k for k, v in languages.items() if v.enabled)
        raise UnknownLanguageError(f"unknown language {key!r}; available: {', '.join(enabled)}")
    return language
