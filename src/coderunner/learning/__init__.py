"""The learning model around progress: level unlocking, the daily streak, effort badges, hints."""
