"""Forms for tickets: the ticket itself, comments, files, and one small form per action.

Forms check shape (required, length, type); business rules are the services' job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, StopValidation

from ticketing.db import local_today
from ticketing.outcomes.models import COOPERATION_FORM_LABELS
from ticketing.tickets.models import CATEGORY_LABELS, PRIORITY_LABELS
from ticketing.workflow import BY_ACTION


def _choices(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(str(key), label) for key, label in labels.items()]


class TicketForm(FlaskForm):
    title = StringField(
        _l("Title"),
        [DataRequired(), Length(max=200)],
        description=_l("One line that names the problem."),
    )
    enterprise_id = SelectField(_l("Enterprise"), coerce=int, validators=[DataRequired()])
    category = SelectField(_l("Category"), choices=_choices(CATEGORY_LABELS))
    priority = SelectField(_l("Priority"), choices=_choices(PRIORITY_LABELS), default="normal")
    description = TextAreaField(
        _l("Description"),
        [DataRequired(), Length(max=10_000)],
        description=_l("What is the problem, what has been tried, what would help."),
    )
    confidential = BooleanField(
        _l("Confidential"),
        description=_l(
            "Kept out of fairs, open challenges and lists beyond the people working on it."
        ),
    )
    version = HiddenField()


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), [DataRequired(), Length(max=10_000)])
    internal = BooleanField(_l("Internal note (hidden from the enterprise side)"))


class VisitForm(FlaskForm):
    visited_on = DateField(_l("Date of the visit"), [DataRequired()], default=local_today)
    place = StringField(_l("Place"), [DataRequired(), Length(max=200)])
    participants = TextAreaField(_l("Who took part"), [DataRequired(), Length(max=2000)])
    findings = TextAreaField(_l("What was found"), [DataRequired(), Length(max=2000)])
    agreed = TextAreaField(_l("What was agreed"), [Length(max=2000)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), [FileRequired(_l("Choose a file."))])
    internal = BooleanField(_l("Internal (hidden from the enterprise side)"))


def optional_int(value: Any) -> int | None:
    """Coerce a select's value; the empty “Choose…” option gives None."""
    if value in (None, ""):
        return None
    return int(value)


def _reason() -> Field:
    return TextAreaField(_l("Reason"), [DataRequired(), Length(max=2000)])


def _finite(_form: Any, field: Field) -> None:
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter an amount in 10,000 yuan, like 12.5."))


def _money(label: Any) -> Field:
    return DecimalField(
        label,
        [InputRequired(), _finite, NumberRange(min=0, max=9_999_999_999)],
        places=2,
        render_kw={"inputmode": "decimal", "step": "0.01", "min": "0"},
    )


def _date(label: Any) -> Field:
    return DateField(label, [DataRequired()], default=local_today)


SATISFACTION = [("", _l("No score"))] + [(str(n), str(n)) for n in range(5, 0, -1)]

# One field per kind of data the transition table asks for.
ACTION_FIELDS: dict[str, Callable[[], Field]] = {
    "reason": _reason,
    "university_id": lambda: SelectField(
        _l("University"), coerce=optional_int, validators=[DataRequired()]
    ),
    "expert_id": lambda: SelectField(
        _l("Expert"), coerce=optional_int, validators=[DataRequired()]
    ),
    "resolution": lambda: TextAreaField(
        _l("Resolution"),
        [DataRequired(), Length(max=10_000)],
        description=_l("What was found, what was done, and what the enterprise should do next."),
    ),
    "satisfaction": lambda: SelectField(_l("Satisfaction (optional)"), choices=SATISFACTION),
    "cooperation_form": lambda: SelectField(
        _l("Form of cooperation"), choices=_choices(COOPERATION_FORM_LABELS)
    ),
    "intention_date": lambda: _date(_l("Date of the intention")),
    "agreement_number": lambda: StringField(
        _l("Agreement number"), [DataRequired(), Length(max=60)]
    ),
    "agreement_date": lambda: _date(_l("Date signed")),
    "amount": lambda: _money(_l("Amount (10,000 yuan)")),
    "landed_date": lambda: _date(_l("Date landed")),
    "landing_description": lambda: TextAreaField(
        _l("What has landed"), [DataRequired(), Length(max=10_000)]
    ),
    "economic_benefit": lambda: _money(_l("Economic benefit (10,000 yuan)")),
}


class ActionForm(FlaskForm):
    version = HiddenField()

    def data_for_service(self) -> dict[str, Any]:
        data = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "version")
        }
        if "satisfaction" in data:
            data["satisfaction"] = int(data["satisfaction"]) if data["satisfaction"] else None
        return data

    def expected_version(self) -> int | None:
        raw = self.version.data
        return int(raw) if raw and str(raw).isdigit() else None


_FORM_CLASSES: dict[str, type[ActionForm]] = {}


def action_form_class(action: str) -> type[ActionForm]:
    """The form class for an action, built once from the fields its transition needs."""
    if action not in _FORM_CLASSES:
        t = BY_ACTION[action]
        fields = {name: ACTION_FIELDS[name]() for name in (*t.requires, *t.optional)}
        _FORM_CLASSES[action] = type(
            f"{action.title().replace('_', '')}Form", (ActionForm,), fields
        )
    return _FORM_CLASSES[action]
