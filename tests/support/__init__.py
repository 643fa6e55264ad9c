"""What the test suites (and the benchmarks) share: where PostgreSQL and Redis are, free ports,
the sandbox uids of this run, starting `coderunner serve` and waiting for it, waiting for a
condition, and the fixtures of the real app (`app`, `client`, accounts; see `app.py`).

Everything here is read from the environment, so a suite can run beside another on one host:
    CODERUNNER_TEST_PG         admin DSN of a PostgreSQL (the suite makes and drops databases)
    CODERUNNER_TEST_REDIS      a Redis URL (a db of its own; keys carry random prefixes)
    CODERUNNER_TEST_UID_BASE   first host uid of this run's sandboxes (see `uids.py`)
"""
