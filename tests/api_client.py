"""A test client that calls the API with a personal access token."""

from __future__ import annotations

from typing import Any

from flask import Flask

from ticketing import db
from ticketing.accounts.models import User
from ticketing.api.tokens import create_token


class ApiClient:
    def __init__(self, app: Flask, secret: str, language: str | None = None) -> None:
        self.client = app.test_client()
        self.secret = secret
        self.language = language

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        given = {"Authorization": f"Bearer {self.secret}"}
        if self.language:
            given["Accept-Language"] = self.language
        return {**given, **(headers or {})}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        headers = self._headers(kw.pop("headers", None))
        return self.client.post(url, json=json, headers=headers, **kw)

    def patch(self, url: str, json: Any = None, **kw: Any) -> Any:
        headers = self._headers(kw.pop("headers", None))
        return self.client.patch(url, json=json, headers=headers, **kw)


def token_for(app: Flask, user: User, name: str = "test") -> str:
    with app.app_context():
        _token, secret = create_token(db.session.get(User, user.id), name=name)
        db.session.commit()
    return secret


def api_for(app: Flask, user: User, language: str | None = None) -> ApiClient:
    return ApiClient(app, token_for(app, user), language)
