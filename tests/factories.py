"""Factories for test data. Tickets reach a state by performing the real transitions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Flask

from ticketing import db
from ticketing.accounts.models import ExpertProfile, RoleGrant, User
from ticketing.accounts.services import hash_password
from ticketing.db import local_today
from ticketing.orgs import credit_code
from ticketing.orgs.models import Enterprise, University
from ticketing.tickets import services, transitions
from ticketing.tickets.models import Ticket
from ticketing.workflow import State, path_to

PASSWORD = "secret-pass-1"
_serial = itertools.count(1)

# The steps that lead to each state come from the transition table (workflow.path_to).
PATHS: dict[str, tuple[str, ...]] = {str(state): path_to(state) for state in State}


@dataclass
class World:
    """Two enterprises, two universities and one person in each relation to them."""

    admin: User
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    u1: University
    u2: University
    commissioner_a: User
    commissioner_a2: User
    commissioner_b: User
    liaison_u1: User
    liaison_u2: User
    expert_u1: User
    expert2_u1: User
    expert_u2: User
    disabled: User


def new_code() -> str:
    n = next(_serial)
    return credit_code.complete(f"91140400MA{n:07d}")


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def _commit(self, obj: Any) -> Any:
        db.session.add(obj)
        db.session.commit()
        return obj

    def user(
        self,
        *roles: str,
        university: University | None = None,
        enterprises: tuple[Enterprise, ...] = (),
        active: bool = True,
        name: str | None = None,
        capacity: int = 50,
    ) -> User:
        n = next(_serial)
        with self.app.app_context():
            user = User(
                login=f"user{n}",
                name=name or f"用户{n}",
                password_hash=hash_password(PASSWORD),
                active=active,
                university_id=university.id if university else None,
            )
            user.grants = [RoleGrant(role=role) for role in roles]
            if enterprises:
                user.enterprises = [db.session.get(Enterprise, e.id) for e in enterprises]
            if "expert" in roles:
                user.expert_profile = ExpertProfile(title="教授", capacity=capacity)
            self._commit(user)
            return db.session.get(User, user.id)

    def enterprise(self, name: str | None = None) -> Enterprise:
        n = next(_serial)
        with self.app.app_context():
            return self._commit(Enterprise(name=name or f"测试企业{n}", credit_code=new_code()))

    def university(self, name: str | None = None) -> University:
        n = next(_serial)
        with self.app.app_context():
            return self._commit(University(name=name or f"测试大学{n}", short_name=f"大学{n}"))

    def world(self) -> World:
        a, b = self.enterprise(), self.enterprise()
        u1, u2 = self.university(), self.university()
        return World(
            admin=self.user("admin"),
            enterprise_a=a,
            enterprise_b=b,
            u1=u1,
            u2=u2,
            commissioner_a=self.user("commissioner", enterprises=(a,)),
            commissioner_a2=self.user("commissioner", enterprises=(a,)),
            commissioner_b=self.user("commissioner", enterprises=(b,)),
            liaison_u1=self.user("liaison", university=u1),
            liaison_u2=self.user("liaison", university=u2),
            expert_u1=self.user("expert", university=u1),
            expert2_u1=self.user("expert", university=u1),
            expert_u2=self.user("expert", university=u2),
            disabled=self.user("admin", active=False),
        )

    def step_data(self, world: World, action: str, ticket: Ticket) -> tuple[User, dict[str, Any]]:
        """Who performs `action` in the usual path, and with what data."""
        today = local_today()
        table: dict[str, tuple[User, dict[str, Any]]] = {
            "submit": (world.commissioner_a, {}),
            "route": (world.admin, {"university_id": world.u1.id}),
            "assign_expert": (world.liaison_u1, {"expert_id": world.expert_u1.id}),
            "start": (world.expert_u1, {}),
            "resolve": (world.expert_u1, {"resolution": "更换密封圈并调整工艺参数。"}),
            "record_intention": (
                world.commissioner_a,
                {"title": "联合研发项目", "cooperation_form": "joint_rd", "intention_date": today},
            ),
            "sign_agreement": (
                world.commissioner_a,
                {
                    "agreement_number": "HT-2026-001",
                    "agreement_date": today,
                    "amount": Decimal("35.5"),
                },
            ),
            "land": (
                world.admin,
                {
                    "landed_date": today,
                    "landing_description": "新产线投产",
                    "economic_benefit": Decimal("120"),
                },
            ),
            "close": (world.commissioner_a, {"satisfaction": 5}),
            "withdraw": (world.commissioner_a, {"reason": "企业已自行解决"}),
        }
        return table[action]

    def ticket(self, world: World, state: str = "draft", **fields: Any) -> Ticket:
        """A ticket of enterprise A filed by commissioner A, brought to `state` for real."""
        with self.app.app_context():
            filer = db.session.get(User, world.commissioner_a.id)
            data = {
                "title": "数控机床主轴温升过高",
                "description": "连续加工两小时后主轴温度超过 70℃。",
                "category": "tech_upgrade",
                "enterprise_id": world.enterprise_a.id,
                **fields,
            }
            ticket = services.create_draft(filer, zone_code="CZ", **data)
            for action in PATHS[state]:
                actor, step = self.step_data(world, action, ticket)
                transitions.perform(ticket, action, db.session.get(User, actor.id), **step)
            db.session.commit()
            assert ticket.state == state
            return ticket
