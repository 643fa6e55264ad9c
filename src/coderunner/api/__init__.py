"""The HTTP API: app factory, middleware, errors, rate limits, health and CLI commands."""
