"""Learning sessions: time a learner spends on a level or problem."""
