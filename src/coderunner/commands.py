"""The `coderunner` click group.

Each sub-command lives beside the package it drives; this module only names them and imports a
command's module when that command is used, so one command never loads another's stack.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "exec": "coderunner.sandbox.cli:exec_command",
    "selftest": "coderunner.sandbox.cli:selftest_command",
    "serve": "coderunner.api.cli:serve_command",
    "api": "coderunner.api.cli:api_command",
    "migrate": "coderunner.api.cli:migrate_command",
    "create-admin": "coderunner.api.cli:create_admin_command",
    "create-api-key": "coderunner.judge0.cli:create_api_key_command",
    "revoke-api-key": "coderunner.judge0.cli:revoke_api_key_command",
    "web": "coderunner.web.cli:web_command",
    "worker": "coderunner.execution.cli:worker_command",
    "seed": "coderunner.content.cli:seed_command",
    "content": "coderunner.content.cli:content_group",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coderunner")
def cli() -> None:
    """Code Runner: learn to program, run code safely."""
