"""Forms for tickets: the ticket itself, comments, files, and one small form per action.

Forms check shape (required, length, type); business rules are the services' job.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Field as WTField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from ticketing.db import local_today
from ticketing.tickets.models import CATEGORY_LABELS, PRIORITY_LABELS
from ticketing.tickets.services import ALLOWED_TYPES
from ticketing.workflow import BY_ACTION, MONEY_MAX, SCORE_RANGE, Field, Kind


def _choices(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(str(key), label) for key, label in labels.items()]


FILES_AT_FILING = 5
ATTACHMENT_ACCEPT = ",".join(f".{extension}" for extension in sorted(ALLOWED_TYPES))
CONFIDENTIAL_HINT = _l(
    "For a problem the enterprise wants kept discreet: the ticket is tagged confidential, and "
    "only the people working on it see its title, description and enterprise."
)


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
        description=CONFIDENTIAL_HINT,
    )
    files = MultipleFileField(_l("Files"), render_kw={"accept": ATTACHMENT_ACCEPT})
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


class ConfidentialForm(FlaskForm):
    confidential = HiddenField()  # "1" to mark, "0" to lift
    version = HiddenField()


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), [FileRequired(_l("Choose a file."))])
    internal = BooleanField(_l("Internal (hidden from the enterprise side)"))


def optional_int(value: Any) -> int | None:
    """Coerce a select's value; the empty “Choose…” option gives None."""
    if value in (None, ""):
        return None
    return int(value)


def _finite(_form: Any, field: WTField) -> None:
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter an amount in 10,000 yuan, like 12.5."))


SCORES = [(str(n), str(n)) for n in range(SCORE_RANGE[1], SCORE_RANGE[0] - 1, -1)]


def form_field(f: Field) -> WTField:
    """The form field for one typed field of the transition table (the service re-checks)."""
    required = [DataRequired()] if f.required else [Optional()]
    if f.kind is Kind.ID:  # the view fills the choices
        return SelectField(f.label, coerce=optional_int, validators=required, description=f.help)
    if f.kind is Kind.TEXT:
        widget = TextAreaField if f.multiline else StringField
        return widget(f.label, [*required, Length(max=f.max_length)], description=f.help)
    if f.kind is Kind.DATE:
        return DateField(f.label, required, default=local_today)
    if f.kind is Kind.MONEY:
        return DecimalField(
            f.label,
            [
                InputRequired() if f.required else Optional(),
                _finite,
                NumberRange(min=0, max=MONEY_MAX, message=MONEY_RANGE),
            ],
            render_kw={"inputmode": "decimal", "step": "0.01", "min": "0"},
        )
    if f.kind is Kind.CHOICE:
        return SelectField(f.label, choices=_choices(f.choices), validators=required)
    if f.kind is Kind.SCORE:
        return SelectField(f.label, choices=[("", _l("No score")), *SCORES], default="")
    raise ValueError(f"no form field for {f.kind}")


MONEY_RANGE = _l("Enter an amount from 0 to 9,999,999,999.99 (10,000 yuan).")


class ActionForm(FlaskForm):
    version = HiddenField()

    def data_for_service(self) -> dict[str, Any]:
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "version", "scan")
        }

    def expected_version(self) -> int | None:
        raw = self.version.data
        return int(raw) if raw and str(raw).isdigit() else None


_FORM_CLASSES: dict[str, type[ActionForm]] = {}
# A step that keeps a document with it: the file is stored with the ticket in the same commit
WITH_FILE = {
    "sign_agreement": (
        _l("Scan of the signed agreement"),
        _l("Optional: a PDF or a photo of the signed pages."),
    ),
}


def action_form_class(action: str) -> type[ActionForm]:
    """The form class for an action, built once from the fields its transition needs."""
    if action not in _FORM_CLASSES:
        t = BY_ACTION[action]
        fields: dict[str, Any] = {f.name: form_field(f) for f in t.fields}
        if action in WITH_FILE:
            label, help_text = WITH_FILE[action]
            fields["scan"] = FileField(label, description=help_text)
        _FORM_CLASSES[action] = type(
            f"{action.title().replace('_', '')}Form", (ActionForm,), fields
        )
    return _FORM_CLASSES[action]
