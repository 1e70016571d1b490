"""Forms for nominating and deciding rewards. The services check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class _Nomination(FlaskForm):
    name = StringField(
        _l("Reward"),
        [DataRequired(), Length(max=120)],
        description=_l("The name of the reward, e.g. 科技成果转化奖."),
    )
    year = StringField(_l("Year"), [DataRequired()], render_kw={"inputmode": "numeric"})
    reason = TextAreaField(_l("Reason"), [DataRequired(), Length(max=2000)])


class OutcomeNominationForm(_Nomination):
    ticket_number = StringField(_l("Ticket number"), [DataRequired(), Length(max=24)])
    cooperation = StringField(
        _l("Cooperation"),
        [Optional()],
        default="1",
        description=_l("Which of the ticket's cooperations: 1 for the first recorded."),
        render_kw={"inputmode": "numeric"},
    )


class CommissionerNominationForm(_Nomination):
    commissioner_id = SelectField(_l("Commissioner"), coerce=int, default=0)


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"), choices=[("awarded", _l("Awarded")), ("declined", _l("Declined"))]
    )
    amount = StringField(
        _l("Amount (10,000 yuan)"),
        [Optional()],
        description=_l("Only with an award; leave empty if there is none."),
        render_kw={"inputmode": "decimal"},
    )
