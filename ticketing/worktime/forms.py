"""The settings page's forms: working days per step and priority, and the calendar's days."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from ticketing.tickets.models import PRIORITY_LABELS
from ticketing.worktime.models import PRIORITIES, STEPS

STEP_LABELS = {
    "route": _l("Route to a university"),
    "assign": _l("Assign an expert"),
    "start": _l("Expert starts"),
    "resolve": _l("Resolve"),
}
DAYS = _l("Enter a whole number of working days from 1 to 365.")


class TargetsForm(FlaskForm):
    """One field per step and priority, named step_priority."""


for _step in STEPS:
    for _priority in PRIORITIES:
        setattr(
            TargetsForm,
            f"{_step}_{_priority}",
            IntegerField(
                _l(
                    "%(step)s, %(priority)s priority",
                    step=STEP_LABELS[_step],
                    priority=PRIORITY_LABELS[_priority],
                ),
                validators=[InputRequired(DAYS), NumberRange(1, 365, DAYS)],
            ),
        )


class DayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(_l("Choose a day."))])
    working = RadioField(
        _l("This day is"),
        choices=[
            ("0", _l("a day off (public holiday)")),
            ("1", _l("a working day (调休 make-up day)")),
        ],
        default="0",
        validators=[InputRequired(_l("Choose what the day is."))],
    )
    name = StringField(
        _l("Name"),
        description=_l("For example 春节 or 国庆节."),
        validators=[Length(max=40, message=_l("At most 40 characters."))],
    )


class RemoveDayForm(FlaskForm):
    day = HiddenField()


class OfficialForm(FlaskForm):
    year = HiddenField()
