"""The JSON API under /api/v1: the same services, state machine and visibility as the pages."""
