"""Code Runner: an open platform where children learn to program."""

__version__ = "0.1.0"
