"""The import page's forms: the upload, and the confirmation of a checked file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField

from ticketing.imports.columns import ENTITIES


class UploadForm(FlaskForm):
    entity = SelectField(_l("What to import"), choices=list(ENTITIES.items()))
    file = FileField(
        _l("File (.xlsx or .csv)"),
        [FileRequired(_l("Choose a file."))],
        render_kw={"accept": ".xlsx,.csv"},
    )


class ConfirmForm(FlaskForm):
    token = HiddenField()
    only_good = BooleanField(_l("Import only the good rows (the bad ones are left out)"))
