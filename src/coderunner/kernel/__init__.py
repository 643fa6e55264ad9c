"""The shared kernel: what every domain speaks, importing no domain and not the HTTP shell.

Errors (`errors`), the wire's base models (`schemas`), age groups (`ages`), what counts as an
outage (`outage`), the request's unit of work (`unit_of_work`), conditional GETs (`etag`), rate
limits and client addresses (`ratelimit`), who may read internal endpoints (`internal`), the
shared command-line options (`cli`) and whether the service is still starting (`lifecycle`).
"""
