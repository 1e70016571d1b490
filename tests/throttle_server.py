"""One app process for tests/test_throttling.py: serves on a free port of 127.0.0.1 and prints
it. Its settings come from the environment (DATABASE_URL, RATELIMIT_STORAGE_URI, …)."""

from __future__ import annotations

import os

from werkzeug.serving import make_server

from ticketing import create_app


def main() -> None:
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "throttle-test-secret",
            "PASSWORD_HASH_FAST": True,
            "RATELIMIT_ENABLED": True,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_ACCOUNT_LIMIT": os.environ["LOGIN_ACCOUNT_LIMIT"],
            "LOGIN_IP_RATE_LIMIT": os.environ["LOGIN_IP_RATE_LIMIT"],
            "RATELIMIT_KEY_PREFIX": os.environ["RATELIMIT_KEY_PREFIX"],
            "TRUSTED_PROXIES": 1,  # the test says which address each attempt comes from
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=False)
    print(server.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
