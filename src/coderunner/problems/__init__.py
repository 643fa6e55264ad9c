"""Problems and their visible and hidden test cases."""
