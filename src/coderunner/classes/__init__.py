"""Classes: teachers, learners who joined with a code, class dashboards and challenges."""
