"""The ticket state machine as data: states, relations, the transition table with typed fields.

This is the ground floor: it imports nothing of the package. Each row of TRANSITIONS mirrors
one row of the transition table in DOMAIN.md. The pages draw their buttons and action forms
from it, the service coerces and checks what it is given by its typed fields
(`tickets/fields.py`), the tests walk it, and `tickets/transitions.py` enforces it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNIVERSITY_ASSIGNED = "university_assigned"
    EXPERT_ASSIGNED = "expert_assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    OUTCOME_INTENTION = "outcome_intention"
    OUTCOME_AGREEMENT = "outcome_agreement"
    OUTCOME_LANDED = "outcome_landed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    State.DRAFT: _l("Draft"),
    State.SUBMITTED: _l("Awaiting routing"),
    State.UNIVERSITY_ASSIGNED: _l("Awaiting expert"),
    State.EXPERT_ASSIGNED: _l("Awaiting expert response"),
    State.IN_PROGRESS: _l("In progress"),
    State.RESOLVED: _l("Awaiting confirmation"),
    State.OUTCOME_INTENTION: _l("Cooperation intention"),
    State.OUTCOME_AGREEMENT: _l("Agreement signed"),
    State.OUTCOME_LANDED: _l("Outcome landed"),
    State.CLOSED: _l("Closed"),
    State.WITHDRAWN: _l("Withdrawn"),
}

# What happens next, shown under the state on the ticket page.
STATE_NEXT = {
    State.DRAFT: _l("The filer completes the draft and submits it."),
    State.SUBMITTED: _l("The zone routes the ticket to a partner university."),
    State.UNIVERSITY_ASSIGNED: _l("The university's liaison assigns an expert."),
    State.EXPERT_ASSIGNED: _l("The expert accepts and starts work, or declines."),
    State.IN_PROGRESS: _l("The expert works with the enterprise and writes a resolution."),
    State.RESOLVED: _l(
        "The enterprise side confirms the solution: close it, reopen it, or record a "
        "cooperation intention."
    ),
    State.OUTCOME_INTENTION: _l("The parties sign a cooperation agreement, or abandon it."),
    State.OUTCOME_AGREEMENT: _l("The zone records the outcome as landed, or it is abandoned."),
    State.OUTCOME_LANDED: _l("An outcome has landed; a further cooperation may still be recorded."),
    State.CLOSED: _l("Finished."),
    State.WITHDRAWN: _l("Finished: the ticket was withdrawn."),
}

TERMINAL = frozenset({State.OUTCOME_LANDED, State.CLOSED, State.WITHDRAWN})
OPEN_STATES = frozenset(State) - TERMINAL - {State.DRAFT}
# States in which the database requires the ticket to name a university / an expert.
WITH_UNIVERSITY = frozenset(
    {
        State.UNIVERSITY_ASSIGNED,
        State.EXPERT_ASSIGNED,
        State.IN_PROGRESS,
        State.RESOLVED,
        State.OUTCOME_INTENTION,
        State.OUTCOME_AGREEMENT,
        State.OUTCOME_LANDED,
    }
)
WITH_EXPERT = WITH_UNIVERSITY - {State.UNIVERSITY_ASSIGNED}
WITH_RESOLUTION = frozenset(
    {State.RESOLVED, State.OUTCOME_INTENTION, State.OUTCOME_AGREEMENT, State.OUTCOME_LANDED}
)
# An expert's open work: what counts against their capacity.
EXPERT_WORKING = frozenset({State.EXPERT_ASSIGNED, State.IN_PROGRESS})


class Who(StrEnum):
    """Relations between a person and a ticket that allow an action."""

    FILER = "filer"
    ADMIN = "admin"
    COMMISSIONER = "commissioner"  # a commissioner of the ticket's enterprise
    LIAISON = "liaison"  # a liaison of the ticket's current university
    EXPERT = "expert"  # the expert assigned to the ticket now


class CooperationForm(StrEnum):
    """The national technology-contract categories (技术合同), plus joint platforms and talent
    training."""

    JOINT_RD = "joint_rd"
    COMMISSIONED = "commissioned"
    TRANSFER = "transfer"
    LICENSING = "licensing"
    CONSULTING = "consulting"
    TECH_SERVICE = "tech_service"
    PLATFORM = "platform"
    TALENT = "talent"
    OTHER = "other"


COOPERATION_FORM_LABELS = {
    CooperationForm.JOINT_RD: _l("Technology development (joint)"),
    CooperationForm.COMMISSIONED: _l("Technology development (commissioned)"),
    CooperationForm.TRANSFER: _l("Technology transfer"),
    CooperationForm.LICENSING: _l("Technology licensing"),
    CooperationForm.CONSULTING: _l("Technical consulting"),
    CooperationForm.TECH_SERVICE: _l("Technical service"),
    CooperationForm.PLATFORM: _l("Joint lab or platform"),
    CooperationForm.TALENT: _l("Talent training"),
    CooperationForm.OTHER: _l("Other"),
}


class Stage(StrEnum):
    """Where one cooperation stands: intention → agreement → landed, or abandoned."""

    INTENTION = "intention"
    AGREEMENT = "agreement"
    LANDED = "landed"
    ABANDONED = "abandoned"


STAGE_LABELS = {
    Stage.INTENTION: _l("Intention"),
    Stage.AGREEMENT: _l("Agreement signed"),
    Stage.LANDED: _l("Landed"),
    Stage.ABANDONED: _l("Abandoned"),
}


# The stages a cooperation must be at for each later step of it (record_intention starts one).
STEP_STAGES: Mapping[str, frozenset[Stage]] = {
    "sign_agreement": frozenset({Stage.INTENTION}),
    "land": frozenset({Stage.AGREEMENT}),
    "abandon": frozenset({Stage.INTENTION, Stage.AGREEMENT}),
}


def state_of_cooperations(stages: Iterable[Stage | str]) -> State:
    """The ticket's state that follows from its cooperations' stages: any landed → landed;
    else any signed (and not abandoned) → agreement; else any open intention → intention;
    else (all abandoned) → closed."""
    present = {Stage(s) for s in stages}
    for stage, state in (
        (Stage.LANDED, State.OUTCOME_LANDED),
        (Stage.AGREEMENT, State.OUTCOME_AGREEMENT),
        (Stage.INTENTION, State.OUTCOME_INTENTION),
    ):
        if stage in present:
            return state
    return State.CLOSED


class Kind(StrEnum):
    """The kinds of data an action can ask for."""

    ID = "id"  # the id of a row; Field.of names what (university, expert, cooperation, fair)
    TEXT = "text"  # text up to Field.max_length characters
    DATE = "date"  # a calendar day, not in the future and not before the ticket was filed
    MONEY = "money"  # an amount in 万元 (10,000 yuan), 0 … MONEY_MAX, at most two decimals
    CHOICE = "choice"  # one of Field.choices
    SCORE = "score"  # a whole number from SCORE_RANGE[0] to SCORE_RANGE[1]


MONEY_MAX = Decimal("9999999999.99")
SCORE_RANGE = (1, 5)


@dataclass(frozen=True)
class Field:
    """One piece of data an action asks for, with its kind and its bounds."""

    name: str
    kind: Kind
    label: Any
    required: bool = True
    of: str = ""  # ID: what the id names
    max_length: int = 0  # TEXT
    multiline: bool = True  # TEXT: a paragraph (else one line)
    choices: Mapping[str, Any] = field(default_factory=dict)  # CHOICE: value → label
    help: Any = ""


def _ref(name: str, of: str, label: Any) -> Field:
    return Field(name, Kind.ID, label, of=of)


def _text(name: str, label: Any, max_length: int, *, help: Any = "", line: bool = False) -> Field:
    return Field(name, Kind.TEXT, label, max_length=max_length, multiline=not line, help=help)


def _day(name: str, label: Any) -> Field:
    return Field(name, Kind.DATE, label)


def _money(name: str, label: Any) -> Field:
    return Field(name, Kind.MONEY, label)


REASON = _text("reason", _l("Reason"), 2000)
UNIVERSITY = _ref("university_id", "university", _l("University"))
EXPERT = _ref("expert_id", "expert", _l("Expert"))
RESOLUTION = _text(
    "resolution",
    _l("Resolution"),
    10_000,
    help=_l("What was found, what was done, and what the enterprise should do next."),
)
SATISFACTION = Field("satisfaction", Kind.SCORE, _l("Satisfaction (optional)"), required=False)
COOPERATION = Field(
    "cooperation_form", Kind.CHOICE, _l("Form of cooperation"), choices=COOPERATION_FORM_LABELS
)
# Which cooperation of the ticket a step is about. It may be left out while exactly one
# cooperation is in the stage the step needs; with several, the service asks for it.
WHICH = Field("cooperation_id", Kind.ID, _l("Cooperation"), required=False, of="cooperation")
COOPERATION_TITLE = _text(
    "title",
    _l("Title of the cooperation"),
    200,
    line=True,
    help=_l("What the cooperation is about, e.g. a testing service contract."),
)
COOPERATION_UNIVERSITY = Field(
    "university_id",
    Kind.ID,
    _l("University (optional)"),
    required=False,
    of="university",
    help=_l("Left empty: the ticket's university."),
)
INTENTION_FAIR = Field(
    "intention_fair_id", Kind.ID, _l("Reached at a fair (optional)"), required=False, of="fair"
)
AGREEMENT_FAIR = Field(
    "agreement_fair_id",
    Kind.ID,
    _l("Signed at a fair or ceremony (optional)"),
    required=False,
    of="fair",
)
INTENTION_DATE = _day("intention_date", _l("Date of the intention"))
AGREEMENT_NUMBER = _text("agreement_number", _l("Agreement number"), 60, line=True)
AGREEMENT_DATE = _day("agreement_date", _l("Date signed"))
AMOUNT = _money("amount", _l("Amount (10,000 yuan)"))
LANDED_DATE = _day("landed_date", _l("Date landed"))
LANDING = _text("landing_description", _l("What has landed"), 10_000)
BENEFIT = _money("economic_benefit", _l("Added output value (10,000 yuan)"))
COST_SAVING = Field(
    "cost_saving", Kind.MONEY, _l("Cost saving (10,000 yuan, optional)"), required=False
)
# The proposal of an open challenge (challenges/) that the admin picks.
PROPOSAL = _ref("proposal_id", "proposal", _l("Proposal"))
COOPERATION_SATISFACTION = Field(
    "satisfaction", Kind.SCORE, _l("Satisfaction with the cooperation (optional)"), required=False
)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[State]
    target: State
    who: frozenset[Who]
    fields: tuple[Field, ...] = ()
    label: Any = ""
    confirm: bool = False  # irreversible: the page asks before sending
    # A step of one cooperation: the ticket's state then follows all its cooperations
    # (state_of_cooperations); `target` is what it is with a single cooperation.
    follows_cooperations: bool = False
    # Taken from a page beside the ticket (e.g. "challenge": the open challenge's pick), never
    # from the ticket page's action forms; paths to a state (path_to) do not use it.
    beside: str = ""

    @property
    def requires(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if not f.required)


def _t(  # type: ignore[no-untyped-def]
    action, sources, target, who, fields=(), label="", confirm=False, follows=False, beside=""
):
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(who),
        tuple(fields),
        label,
        confirm,
        follows,
        beside,
    )


S, W = State, Who
WORKING = (S.SUBMITTED, S.UNIVERSITY_ASSIGNED, S.EXPERT_ASSIGNED, S.IN_PROGRESS)
# A cooperation's steps: a resolved problem may gain a cooperation at any time after, even
# once another has landed; the steps of one cooperation happen while the ticket is in any of
# the cooperation states.
COOPERATING = (S.OUTCOME_INTENTION, S.OUTCOME_AGREEMENT, S.OUTCOME_LANDED)
# fmt: off
# action, from-states, to-state, who may, what must (or may) be given, label, confirm
TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", [S.DRAFT], S.SUBMITTED, [W.FILER], label=_l("Submit")),
    _t("route", [S.SUBMITTED], S.UNIVERSITY_ASSIGNED, [W.ADMIN], [UNIVERSITY],
       label=_l("Route to a university")),
    _t("return", [S.UNIVERSITY_ASSIGNED], S.SUBMITTED, [W.LIAISON], [REASON],
       label=_l("Return to the zone")),
    _t("transfer", [S.UNIVERSITY_ASSIGNED, S.EXPERT_ASSIGNED, S.IN_PROGRESS],
       S.UNIVERSITY_ASSIGNED, [W.ADMIN], [UNIVERSITY, REASON],
       label=_l("Transfer to another university")),
    _t("assign_expert", [S.UNIVERSITY_ASSIGNED], S.EXPERT_ASSIGNED, [W.LIAISON, W.ADMIN],
       [EXPERT], label=_l("Assign an expert")),
    _t("reassign_expert", [S.EXPERT_ASSIGNED, S.IN_PROGRESS], S.EXPERT_ASSIGNED,
       [W.LIAISON, W.ADMIN], [EXPERT, REASON], label=_l("Reassign the expert")),
    _t("decline", [S.EXPERT_ASSIGNED], S.UNIVERSITY_ASSIGNED, [W.EXPERT], [REASON],
       label=_l("Decline")),
    _t("start", [S.EXPERT_ASSIGNED], S.IN_PROGRESS, [W.EXPERT], label=_l("Accept and start")),
    _t("resolve", [S.IN_PROGRESS], S.RESOLVED, [W.EXPERT], [RESOLUTION],
       label=_l("Write the resolution")),
    _t("reopen", [S.RESOLVED], S.IN_PROGRESS, [W.COMMISSIONER, W.ADMIN], [REASON],
       label=_l("Reopen")),
    _t("close", [S.RESOLVED], S.CLOSED, [W.COMMISSIONER, W.ADMIN], [SATISFACTION],
       label=_l("Confirm and close"), confirm=True),
    _t("record_intention", [S.RESOLVED, *COOPERATING], S.OUTCOME_INTENTION,
       [W.COMMISSIONER, W.ADMIN],
       [COOPERATION_TITLE, COOPERATION, INTENTION_DATE, COOPERATION_UNIVERSITY, INTENTION_FAIR],
       label=_l("Record a cooperation intention"), follows=True),
    _t("sign_agreement", COOPERATING, S.OUTCOME_AGREEMENT, [W.COMMISSIONER, W.ADMIN],
       [WHICH, AGREEMENT_NUMBER, AGREEMENT_DATE, AMOUNT, AGREEMENT_FAIR],
       label=_l("Record the signed agreement"), follows=True),
    _t("land", COOPERATING, S.OUTCOME_LANDED, [W.ADMIN],
       [WHICH, LANDED_DATE, LANDING, BENEFIT, COST_SAVING, COOPERATION_SATISFACTION],
       label=_l("Record the outcome as landed"), confirm=True, follows=True),
    _t("abandon", COOPERATING, S.CLOSED, [W.COMMISSIONER, W.ADMIN], [WHICH, REASON],
       label=_l("Abandon the cooperation"), confirm=True, follows=True),
    _t("withdraw", WORKING, S.WITHDRAWN, [W.FILER, W.ADMIN], [REASON],
       label=_l("Withdraw"), confirm=True),
    # routes to the proposal's university and assigns its expert in one step
    _t("award", [S.SUBMITTED], S.EXPERT_ASSIGNED, [W.ADMIN], [PROPOSAL],
       label=_l("Pick the proposal"), confirm=True, beside="challenge"),
)
# fmt: on
BY_ACTION: Mapping[str, Transition] = {t.action: t for t in TRANSITIONS}


# The stage of a ticket's only cooperation, by the ticket's state.
_SOLE_STAGE = {
    State.OUTCOME_INTENTION: Stage.INTENTION,
    State.OUTCOME_AGREEMENT: Stage.AGREEMENT,
    State.OUTCOME_LANDED: Stage.LANDED,
}


def possible_alone(action: str, state: State | str) -> bool:
    """Whether a step of a cooperation is possible from `state` when the ticket has only one
    cooperation (whose stage the state tells); any other action: True."""
    if action not in STEP_STAGES:
        return True
    return _SOLE_STAGE.get(State(state)) in STEP_STAGES[action]


def path_to(state: State | str) -> tuple[str, ...]:
    """The shortest series of actions from a new draft to `state` (table order breaks ties),
    with at most one cooperation and without the steps taken beside the ticket (`beside`).

    Test factories and the demo follow these paths, so a new state is reachable there as soon
    as the table leads to it.
    """
    goal = State(state)
    paths: dict[State, tuple[str, ...]] = {State.DRAFT: ()}
    queue = deque([State.DRAFT])
    while queue:
        here = queue.popleft()
        for t in TRANSITIONS:
            if (
                here in t.sources
                and t.target not in paths
                and not t.beside
                and possible_alone(t.action, here)
            ):
                paths[t.target] = (*paths[here], t.action)
                queue.append(t.target)
    if goal not in paths:
        raise ValueError(f"no transition leads to {goal}")
    return paths[goal]
