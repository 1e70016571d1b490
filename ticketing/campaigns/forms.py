"""Forms for campaigns and for universities' agreements with counties and parks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ticketing.accounts.forms import MultiCheckboxField

DATE_MESSAGE = _l("Enter a date such as 2026-03-01.")


class CampaignForm(FlaskForm):
    name = StringField(
        _l("Name"),
        [DataRequired(), Length(max=120)],
        description=_l("For example 博士专家企业行 2026."),
    )
    starts_on = DateField(_l("Starts on"), [DataRequired(message=DATE_MESSAGE)])
    ends_on = DateField(_l("Ends on"), [DataRequired(message=DATE_MESSAGE)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])
    university_ids = MultiCheckboxField(_l("Universities taking part"), coerce=int)
    expert_ids = MultiCheckboxField(_l("Experts taking part"), coerce=int)
    county_ids = MultiCheckboxField(_l("Counties and districts covered"), coerce=int)
    park_ids = MultiCheckboxField(
        _l("Parks covered"),
        coerce=int,
        description=_l("Choose no county and no park for a campaign across the whole zone."),
    )


class RegionAgreementForm(FlaskForm):
    university_id = SelectField(_l("University"), coerce=int, default=0)
    county_id = SelectField(_l("County or district"), coerce=int, default=0)
    park_id = SelectField(_l("Park"), coerce=int, default=0)
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)])
    signed_on = DateField(_l("Signed on"), [DataRequired(message=DATE_MESSAGE)])
    scope = TextAreaField(_l("Scope"), [Optional(), Length(max=2000)])
