"""Per-problem progress, XP and per-level summaries."""
