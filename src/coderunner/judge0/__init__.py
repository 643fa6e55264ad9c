"""A Judge0-compatible API (Judge0 CE 1.13 semantics) over our own execution pipeline.

Existing Judge0 clients submit through the same admission, queues, limits and sandbox as our
own `/execution` endpoints; `docs/judge0.md` says where we differ on purpose.
"""
