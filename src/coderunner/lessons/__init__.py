"""Lessons (PRIMM): one per level, opened before its problems; the learner's steps in them."""
