"""The demo tickets' cooperations (合作): what each step of one is given, and the second
cooperation a problem may lead to (`second_cooperation`, e.g. a joint R&D project after a
service contract), made after the first one's steps through the same transitions.

The transition table's targets are those of a ticket with one cooperation, which is what
`path_to()` and the world's detours follow; a second cooperation goes no further than the
ticket's final state, so the ticket stays in it (`workflow.state_of_cooperations`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ticketing.outcomes.models import Outcome
from ticketing.tickets.effects import cooperations, eligible
from ticketing.tickets.models import Ticket
from ticketing.workflow import CooperationForm, Stage, State

# the steps that take a new cooperation to a stage
STEPS = {
    Stage.INTENTION: ("record_intention",),
    Stage.AGREEMENT: ("record_intention", "sign_agreement"),
    Stage.LANDED: ("record_intention", "sign_agreement", "land"),
}
# the furthest stage a second cooperation may reach on a ticket that ends in a state
FURTHEST = {
    State.OUTCOME_INTENTION: Stage.INTENTION,
    State.OUTCOME_AGREEMENT: Stage.AGREEMENT,
    State.OUTCOME_LANDED: Stage.LANDED,
}
ORDER = tuple(STEPS)


def second_steps(problem: Mapping[str, Any]) -> list[str]:
    """The steps of the problem's second cooperation (none if it has none)."""
    second = problem.get("second_cooperation")
    return list(STEPS[Stage(second["stage"])]) if second else []


def check(w: Mapping[str, Any], say: Callable[[str], None]) -> None:
    """What is wrong with the problems' `second_cooperation` tables."""
    for i, e in enumerate(w.get("enterprises", ())):
        for j, p in enumerate(e.get("problems", ())):
            if "second_cooperation" not in p:
                continue
            where = f"enterprises[{i}] ({e.get('name')}).problems[{j}].second_cooperation"
            second = p["second_cooperation"]
            if not isinstance(second, dict) or "stage" not in second:
                say(f"{where}: expected a table with a stage ({', '.join(ORDER)})")
                continue
            for key in sorted(set(second) - {"stage", "form"}):
                say(f"{where}: unknown key '{key}'")
            if "form" in second and second["form"] not in set(CooperationForm):
                say(f"{where}.form: unknown form of cooperation '{second['form']}'")
            furthest = FURTHEST.get(p.get("state"))
            if second["stage"] not in ORDER:
                say(f"{where}.stage: expected one of {', '.join(ORDER)}")
            elif furthest is None:
                say(f"{where}: pin the problem's state to one with a cooperation ({_states()})")
            elif ORDER.index(second["stage"]) > ORDER.index(furthest):
                say(
                    f"{where}.stage: a ticket that ends '{p['state']}' has no cooperation "
                    f"further than '{furthest}'"
                )


def _states() -> str:
    return ", ".join(FURTHEST)


class CooperationSteps:
    """What the builder gives each step of a cooperation (one method per action, looked up
    by the builder's `_step`); the step names its cooperation, the latest at its stage."""

    world: dict[str, Any]
    zone: dict[str, Any]
    rng: random.Random
    agreements: Counter[int]

    def _record_intention(self, p: Any, t: Ticket, day: date) -> dict[str, Any]:
        forms = self.world["outcomes"]["forms"][p.problem["category"]]
        held = cooperations(t)
        second = p.problem.get("second_cooperation") if held else None
        if second and "form" in second:
            form = second["form"]
        else:  # a second one of another form where the category has one
            other = [f for f in forms if f not in {c.cooperation_form for c in held}]
            form = self.rng.choice(other or forms)
        day, title = self._outcome_date(p, day, 3), self.world["outcomes"]["titles"][form]
        return {"title": title.format(product=p.enterprise["product"]), "cooperation_form": form,
                "intention_date": day}  # fmt: skip

    def _sign_agreement(self, p: Any, t: Ticket, day: date) -> dict[str, Any]:
        outcome = _latest("sign_agreement", t)
        signed = self._outcome_date(p, day, 5)
        self.agreements[signed.year] += 1
        number = f"{self.zone['agreement_prefix']}-{signed.year}-{self.agreements[signed.year]:03d}"
        span = self.world["outcomes"]["amounts"][outcome.cooperation_form]
        amount = _money(self.rng.uniform(*span))
        return {"cooperation_id": outcome.id, "agreement_number": number,
                "agreement_date": signed, "amount": amount}  # fmt: skip

    def _land(self, p: Any, t: Ticket, day: date) -> dict[str, Any]:
        outcomes, rng = self.world["outcomes"], self.rng
        outcome = _latest("land", t)
        text = rng.choice(outcomes["landings"][p.problem["category"]])
        numbers = {"n": rng.randrange(3, 40), "m": rng.randrange(2, 6), "x": rng.randrange(3, 25)}
        return {
            "cooperation_id": outcome.id,
            "landed_date": self._outcome_date(p, day, 7),
            "landing_description": text.format(
                product=p.enterprise["product"], y=rng.randrange(15, 300), **numbers
            ),
            "economic_benefit": _money(
                float(outcome.amount or 10) * rng.uniform(*outcomes["benefit_factor"])
            ),
        }

    def _outcome_date(self, p: Any, today: date, back_days: int) -> date:
        """A day up to `back_days` before today, not before the ticket's previous date."""
        day = today - timedelta(days=self.rng.randint(0, back_days))
        day = min(max(day, p.last_date or day), today)
        p.last_date = day
        return day


def _latest(action: str, ticket: Ticket) -> Outcome:
    """The latest of the ticket's cooperations at the stage `action` needs."""
    return eligible(action, cooperations(ticket))[-1]


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.1f}")
