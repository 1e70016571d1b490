"""Uploads: allowed types by extension and content, size limit, stored under generated names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import hidden_value
from ticketing import db
from ticketing.tickets.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


def _upload(client, number, name, content):  # type: ignore[no-untyped-def]
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    return client.client.post(
        f"/tickets/{number}/attachments",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("现场照片.png", PNG, True),
        ("检测报告.pdf", PDF, True),
        ("说明.txt", "中文说明".encode(), True),
        ("evil.php", b"<?php echo 1; ?>", False),
        ("page.pdf.html", b"<script>alert(1)</script>", False),
        ("fake.pdf", b"<html><script>alert(1)</script></html>", False),
        ("fake.png", PDF, False),
        ("a.p\u200bdf", PDF, True),  # the zero-width space is removed: a real PDF named a.pdf
        ("a.p\u200bhp", b"<?php echo 1; ?>", False),
        ("empty.txt", b"", False),
        (".htaccess", b"x", False),
    ],
)
def test_types(name, content, ok, make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    response = _upload(login(world.commissioner_a), number, name, content)
    assert response.status_code == (303 if ok else 422), name
    with app.app_context():
        stored = db.session.scalars(select(Attachment)).all()
        assert len(stored) == (1 if ok else 0)
        if ok:
            assert stored[0].stored_name != name and "/" not in stored[0].stored_name
            assert Path(app.config["UPLOAD_FOLDER"], stored[0].stored_name).read_bytes() == content


def test_size_limit(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    limit = app.config["MAX_ATTACHMENT_MB"] * 1024 * 1024
    client = login(world.commissioner_a)
    assert _upload(client, number, "big.txt", b"a" * limit).status_code == 303
    assert _upload(client, number, "bigger.txt", b"a" * (limit + 1)).status_code == 422


def test_download_keeps_the_original_name(make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    client = login(world.commissioner_a)
    assert _upload(client, number, "检测报告.pdf", PDF).status_code == 303
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    link = page.split('href="/files/')[1].split('"')[0]
    response = client.get(f"/files/{link}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E6%A3%80" in disposition
    # clients that read only the ASCII name get a readable one, not ".pdf"
    assert f'filename="attachment-{link.split("?")[0]}.pdf"' in disposition
    assert _upload(client, number, "2026年 test-report 终稿.pdf", PDF).status_code == 303
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    mixed = page.split('href="/files/')[2].split('"')[0]
    assert (
        'filename="2026 test-report.pdf"'
        in client.get(f"/files/{mixed}").headers["Content-Disposition"]
    )
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
