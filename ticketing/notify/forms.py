"""The e-mail choices form and the mark-read button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ticketing.accounts.forms import MultiCheckboxField
from ticketing.notify.models import KIND_LABELS


class EmailChoicesForm(FlaskForm):
    kinds = MultiCheckboxField(
        _l("Send me an e-mail when"), choices=[(k.value, label) for k, label in KIND_LABELS.items()]
    )


class MarkReadForm(FlaskForm):
    notification = HiddenField()
