"""Levels: the steps of an age group's curriculum."""
