"""Cheatsheets: short Markdown references per age group and level."""
