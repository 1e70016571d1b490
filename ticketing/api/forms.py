"""The account page's form for a new API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ticketing.api.tokens import EXPIRY_DAYS, NAME_MAX


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the token"),
        [DataRequired(), Length(max=NAME_MAX)],
        description=_l("Where it is used, e.g. the zone's reporting script."),
    )
    days = SelectField(
        _l("Expires"),
        choices=[
            *((str(d), _l("after %(n)d days", n=d)) for d in EXPIRY_DAYS),
            ("", _l("does not expire")),
        ],
        default=str(EXPIRY_DAYS[1]),
    )


class RevokeForm(FlaskForm):
    pass
