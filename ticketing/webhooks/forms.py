"""The webhook form: a name, the URL it posts to, the events it receives."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ticketing.accounts.forms import MultiCheckboxField
from ticketing.webhooks.models import EVENTS


class WebhookForm(FlaskForm):
    name = StringField(
        _l("Name"), [DataRequired(), Length(max=120)], description=_l("For example 集团工单平台.")
    )
    url = StringField(
        _l("Address (URL)"),
        [DataRequired(), Length(max=500)],
        description=_l(
            "An http:// or https:// address on the receiving system. It receives a POST with "
            "signed JSON for each event chosen below."
        ),
    )
    events = MultiCheckboxField(
        _l("Events"), choices=[(kind, label) for kind, label in EVENTS.items()]
    )
