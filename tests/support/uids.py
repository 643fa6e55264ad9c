"""The host uids this run's sandboxes use, so suites on one host never share one.

A sandbox runs each program as one host uid out of a block; two sandboxes with the same uid
would count each other's processes (RLIMIT_NPROC is per uid) and a test could see the other's
processes as leftovers. Each (xdist worker, purpose) pair gets its own block of `SLOTS` uids
above CODERUNNER_TEST_UID_BASE: a run with W workers uses W x len(Purpose) x SLOTS uids.
"""

from __future__ import annotations

import os
from enum import IntEnum

from coderunner.sandbox_settings import FIELDS

from .env import worker_number

SLOTS = 8  # uids per sandbox: one per concurrent run


class Purpose(IntEnum):
    ATTACK_SUITE = 0  # tests/sandbox: its own sandbox, checked for leftovers after each test
    IN_PROCESS = 1  # the process-wide sandbox (get_sandbox) of apps inside the test process
    WEB_SERVER = 2  # tests/web's `coderunner serve` (alive for the whole session)
    JUDGE0_SERVER = 3  # tests/judge0's server (alive for its module)
    OTHER_SERVER = 4  # a server a single test starts and stops


def uid_base() -> int:
    return int(os.environ.get("CODERUNNER_TEST_UID_BASE", "64100"))


def sandbox_uid(purpose: Purpose) -> int:
    """The first uid of this worker's block for `purpose`."""
    block = worker_number() * len(Purpose) + purpose
    return uid_base() + block * SLOTS


def sandbox_env(purpose: Purpose, part: int = 0, parts: int = 1) -> dict[str, str]:
    """The environment that gives a `coderunner` process its block, or part `part` of `parts`
    equal parts of it when several processes run at once for one purpose."""
    size = SLOTS // parts
    if not (0 <= part < parts and size >= 1):
        raise ValueError(f"a block of {SLOTS} uids has no part {part} of {parts}")
    return sandbox_env_slots(purpose, part * size, size)


def sandbox_env_slots(
    purpose: Purpose, first: int, count: int, pool_size: int | None = None
) -> dict[str, str]:
    """`sandbox_env` for the `count` uids from `first` of the block, for processes that need
    unequal shares (a worker without a pool beside API processes with one); `pool_size`: the
    pre-warmed sandboxes, the product's default unless told."""
    if not (first >= 0 and count >= 1 and first + count <= SLOTS):
        raise ValueError(f"a block of {SLOTS} uids has no uids {first}..{first + count - 1}")
    # Pre-warmed sandboxes wait between runs. The process-wide sandbox of the test process has
    # none: its waiting sandboxes would stay alive between tests in the very process whose run
    # cgroups and processes the attack suite's host-clean check counts. Every server the suite
    # starts runs with the product's default pool (set here explicitly, since servers inherit
    # the test process's environment); tests/sandbox/test_pool.py tests the pool itself.
    pool = FIELDS["sandbox_pool_size"]
    if pool_size is None:
        pool_size = 0 if purpose is Purpose.IN_PROCESS else int(pool.default)
    return {
        "CODERUNNER_SANDBOX_UID": str(sandbox_uid(purpose) + first),
        "CODERUNNER_SANDBOX_UID_SLOTS": str(count),
        pool.env: str(pool_size),
    }
