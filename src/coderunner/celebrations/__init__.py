"""Celebrations: a solve, a new badge, a level opening or a streak milestone, told once."""
