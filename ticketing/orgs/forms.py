"""Forms for enterprises and universities."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class EnterpriseForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    credit_code = StringField(
        _l("Unified social credit code"),
        [
            DataRequired(),
            Length(min=18, max=18, message=_l("A unified social credit code has 18 characters.")),
        ],
        description=_l("18 characters; the last one is a check character."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    park_id = SelectField(_l("Park"), coerce=int, default=0)
    county_id = SelectField(_l("County"), coerce=int, default=0)
    partner_university_id = SelectField(
        _l("Partner university"),
        coerce=int,
        default=0,
        description=_l("The university of the alliance paired with this enterprise."),
    )
    industry = StringField(_l("Industry"), [Optional(), Length(max=120)])
    contact_name = StringField(_l("Contact person"), [Optional(), Length(max=60)])
    contact_phone = StringField(
        _l("Contact phone"), [Optional(), Length(max=40)], render_kw={"inputmode": "tel"}
    )
    address = TextAreaField(_l("Address"), [Optional(), Length(max=500)])
    key_enterprise = BooleanField(
        _l("Key enterprise"),
        description=_l("Campaign coverage lists every key enterprise, visited or not."),
    )
    active = BooleanField(_l("Active"), default=True)


class UniversityForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), [Optional(), Length(max=60)])
    active = BooleanField(_l("Active"), default=True)


class PlaceForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=120)])
    active = BooleanField(
        _l("In use"),
        default=True,
        description=_l(
            "A retired one stays on the enterprises that have it, but is no longer offered."
        ),
    )
