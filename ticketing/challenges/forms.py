"""Forms for open challenges: publish, propose, pick, withdraw. Shapes only; the services
check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ticketing.challenges.services import APPROACH_LIMIT, COST
from ticketing.tickets.forms import form_field, optional_int


class PublishForm(FlaskForm):
    deadline = DateField(
        _l("Proposals until"),
        [DataRequired()],
        description=_l("Universities may propose until the end of this day."),
    )
    version = HiddenField()


class ProposalForm(FlaskForm):
    expert_id = SelectField(
        _l("Expert"), coerce=optional_int, validators=[DataRequired()], validate_choice=False
    )
    approach = TextAreaField(
        _l("Approach"),
        [DataRequired(), Length(max=APPROACH_LIMIT)],
        description=_l("How your university would solve the problem, and with whom."),
    )
    days = StringField(_l("Days needed"), [DataRequired()], render_kw={"inputmode": "numeric"})
    cost = form_field(COST)


class PickForm(FlaskForm):
    proposal_id = HiddenField()
    version = HiddenField()


class WithdrawForm(FlaskForm):
    """Take the challenge back (a button)."""
