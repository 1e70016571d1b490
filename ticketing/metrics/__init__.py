"""Prometheus metrics at /metrics: requests and their durations counted in each process
(http.py; gunicorn's workers share them through PROMETHEUS_MULTIPROC_DIR), and figures read
from the database's tallies and indexes when Prometheus asks (queries.py)."""
