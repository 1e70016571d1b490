"""The API's request and response schemas (pydantic): the contract the OpenAPI document is
generated from. Requests refuse unknown fields; responses declare every key they carry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ticketing.tickets.models import Category, Priority
from ticketing.tickets.services import TEXT_MAX, TITLE_MAX, VISIT_TEXT_MAX
from ticketing.workflow import State

CategoryName = Literal[tuple(c.value for c in Category)]  # type: ignore[valid-type]
PriorityName = Literal[tuple(p.value for p in Priority)]  # type: ignore[valid-type]
StateName = Literal[tuple(s.value for s in State)]  # type: ignore[valid-type]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    field: str | None = Field(description="The request field at fault; null: the whole request")
    message: str


class Problem(Schema):
    """An error (RFC 9457), its texts in the caller's language."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = []


class TicketSummary(Schema):
    number: str
    title: str
    confidential: bool
    state: StateName
    priority: PriorityName
    category: CategoryName
    enterprise: str
    university: str | None
    expert: str | None
    due_at: datetime | None
    updated_at: datetime


class TicketPage(Schema):
    items: list[TicketSummary]
    next_cursor: str | None = Field(description="Give it as `cursor` for the next page")
    matches: int | None = Field(description="How many tickets match, counted up to 1001")


class Event(Schema):
    id: int
    at: datetime
    action: str
    from_state: StateName | None
    to_state: StateName | None
    actor: str
    data: dict[str, Any]
    comment: str | None = None
    file: str | None = None


class Ticket(TicketSummary):
    description: str
    enterprise_id: int
    university_id: int | None
    expert_id: int | None
    filer: str
    resolution: str | None
    version: int = Field(description="Also the ETag; send it back in If-Match to change it")
    history: list[Event] = Field(description="The latest events, oldest first")
    earlier_history: bool


class TicketCreate(Schema):
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(max_length=TEXT_MAX)
    category: CategoryName
    enterprise_id: int = Field(ge=1, le=2**31 - 1)
    priority: PriorityName = "normal"
    confidential: bool = False


class TicketEdit(Schema):
    title: str | None = Field(None, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=TEXT_MAX)
    category: CategoryName | None = None
    priority: PriorityName | None = None
    enterprise_id: int | None = Field(None, ge=1, le=2**31 - 1)


class FieldOut(Schema):
    name: str
    label: str
    required: bool


class Action(Schema):
    action: str
    label: str
    target: StateName
    confirm: bool
    schema_: dict[str, Any] = Field(alias="schema", description="JSON schema of the body")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Actions(Schema):
    version: int
    actions: list[Action]


class Performed(Schema):
    event_id: int
    state: StateName
    version: int


class Comment(Schema):
    id: int
    at: datetime
    author: str
    body: str
    internal: bool


class CommentCreate(Schema):
    body: str = Field(max_length=TEXT_MAX)
    internal: bool = False


class Visit(Schema):
    id: int
    visited_on: date
    expert: str
    place: str
    participants: str
    findings: str
    agreed: str


class Cooperation(Schema):
    """A cooperation of a resolved problem (合作意向 → 合作协议 → 成果转化落地), amounts in 万元."""

    id: int
    title: str
    stage: str = Field(description="intention, agreement, landed or abandoned")
    form: str = Field(description="The form of cooperation (a code)")
    university: str | None
    intention_date: date
    intention_fair: str | None
    agreement_number: str | None
    agreement_date: date | None
    agreement_fair: str | None
    amount: str | None = Field(description="万元, a decimal number as text")
    landed_date: date | None
    landing_description: str | None
    economic_benefit: str | None = Field(description="万元, a decimal number as text")
    cost_saving: str | None = Field(description="万元, a decimal number as text")
    satisfaction: int | None
    abandoned_reason: str | None


class VisitCreate(Schema):
    visited_on: date
    place: str = Field(max_length=200)
    participants: str = Field(max_length=VISIT_TEXT_MAX)
    findings: str = Field(max_length=VISIT_TEXT_MAX)
    agreed: str = Field("", max_length=VISIT_TEXT_MAX)


class Attachment(Schema):
    id: int
    at: datetime
    uploader: str
    name: str
    size: int
    content_type: str
    internal: bool
    download: str = Field(description="Where to download it (with the same token)")


class ConfidentialChange(Schema):
    confidential: bool


class Campaign(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date
    description: str
    universities: list[str]


class Fair(Schema):
    id: int
    kind: Literal["fair", "ceremony"]
    title: str
    held_on: date
    place: str | None
    park: str | None
    problems: int
    intentions: int
    agreements: int
    amount: str = Field(description="Signed there, in 10,000 yuan")


class FairPage(Schema):
    items: list[Fair] = Field(description="Latest date first")
    next_cursor: str | None


class Named(Schema):
    id: int
    name: str


class Expert(Schema):
    id: int
    name: str
    title: str
    expertise: str
    open_tickets: int
    capacity: int
