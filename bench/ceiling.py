"""The ceiling: the least a page can cost on this machine and database.

One Flask route that runs one indexed 50-row query on the benchmark database and renders it
with Jinja, served like the product (gunicorn, two sync workers). Every product figure in
docs/benchmarks.md is read as a ratio to this page's figure from the same run.
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import text

from ticketing.db import make_engine

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>最近的工单</title>
</head><body><table>{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.title }}</td>
</tr>{% endfor %}</table></body></html>"""

app = Flask(__name__)
engine = make_engine(os.environ["DATABASE_URL"])


@app.get("/")
def recent() -> str:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, number, title FROM ticket ORDER BY id DESC LIMIT 50")
        ).all()
    return render_template_string(PAGE, rows=rows)
