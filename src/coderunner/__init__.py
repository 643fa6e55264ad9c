"""Code Runner: an open platform where children learn to program."""

from importlib.metadata import version

# the one definition is pyproject.toml's; an installed package (editable too) carries it
__version__ = version("coderunner")
