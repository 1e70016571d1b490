"""Data for tests/test_servers.py, written to the database at DATABASE_URL by the real
services: a world of people, one submitted ticket and a number of messages in the outbox.
Prints what the test needs as one line of JSON."""

from __future__ import annotations

import json
import os
import sys

from tests.factories import PASSWORD, Factory
from ticketing import create_app, db
from ticketing.notify.models import OutboxMessage


def main(messages: int) -> None:
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": "seed-only",
            "PASSWORD_HASH_FAST": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    make = Factory(app)
    world = make.world()
    ticket = make.ticket(world, "submitted")
    with app.app_context():
        for n in range(messages):
            db.session.add(
                OutboxMessage(
                    channel="email",
                    recipient="liaison@example.cn",
                    subject=f"通知 {n}",
                    body="正文",
                )
            )
        db.session.commit()
        number = db.session.merge(ticket).number
    people = ("admin", "commissioner_a", "liaison_u1", "expert_u1")
    print(
        json.dumps(
            {
                "password": PASSWORD,
                "ticket": number,
                "university": world.u1.id,
                **{name: getattr(world, name).login for name in people},
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
