"""Forms of search/: saving the current search, deleting a saved one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from ticketing.search.models import NAME_MAX


class SaveSearchForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=NAME_MAX)])
    queue = HiddenField()
    args = HiddenField()


class DeleteSearchForm(FlaskForm):
    pass
