"""Forms for fairs and ceremonies: the fair itself, a problem to add, a cooperation to link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ticketing.accounts.forms import MultiCheckboxField
from ticketing.fairs.models import FAIR_KIND_LABELS
from ticketing.fairs.services import AGENDA_LIMIT, STAGE_LABELS


class FairForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=[(str(kind), label) for kind, label in FAIR_KIND_LABELS.items()]
    )
    title = StringField(_l("Theme"), [DataRequired(), Length(max=200)])
    held_on = DateField(_l("Date"), [DataRequired()])
    place = StringField(_l("Place"), [DataRequired(), Length(max=200)])
    park_id = SelectField(_l("Park"), coerce=int, default=0)
    campaign_id = SelectField(_l("Campaign"), coerce=int, default=0)
    agenda = TextAreaField(
        _l("Agenda"),
        [Optional(), Length(max=AGENDA_LIMIT)],
        description=_l("One item a line, e.g. 09:00 开幕致辞; printed with the problem list."),
    )
    university_ids = MultiCheckboxField(_l("Invited universities"), coerce=int)


class ProblemForm(FlaskForm):
    """Add, remove or move one problem of the fair's list (the buttons of each row)."""

    ticket_id = HiddenField()
    direction = HiddenField()


class LinkForm(FlaskForm):
    number = StringField(
        _l("Ticket number"),
        [DataRequired(), Length(max=24)],
        render_kw={"spellcheck": "false", "autocapitalize": "characters"},
    )
    stage = SelectField(
        _l("Reached at this event"),
        choices=[(str(stage), label) for stage, label in STAGE_LABELS.items()],
    )
