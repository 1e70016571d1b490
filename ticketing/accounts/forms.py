"""Forms for signing in, the account page and the user administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ticketing.accounts.models import ROLE_LABELS, Role

PASSWORD_HINT = _l(
    "At least 8 characters, not your login or name, not a common password. "
    "A few unrelated words are easy to remember and hard to guess."
)


class LoginForm(FlaskForm):
    login = StringField(
        _l("Login"),
        [DataRequired(), Length(max=60)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        [DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), [DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new = PasswordField(
        _l("New password"),
        [DataRequired(), Length(min=8, max=128)],
        render_kw={"autocomplete": "new-password"},
        description=PASSWORD_HINT,
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    login = StringField(_l("Login"), [DataRequired(), Length(max=60)])
    name = StringField(_l("Full name"), [DataRequired(), Length(max=60)])
    email = EmailField(_l("E-mail"), [Optional(), Email(), Length(max=200)])
    phone = StringField(_l("Phone"), [Optional(), Length(max=40)])
    roles = MultiCheckboxField(
        _l("Roles"), choices=[(role.value, ROLE_LABELS[role]) for role in Role]
    )
    university_id = SelectField(_l("University (liaisons and experts)"), coerce=int)
    enterprise_ids = MultiCheckboxField(_l("Enterprises (commissioners)"), coerce=int)
    title = StringField(_l("Title (experts)"), [Optional(), Length(max=60)])
    expertise = TextAreaField(_l("Fields of expertise (experts)"), [Optional(), Length(max=2000)])
    capacity = IntegerField(
        _l("Open tickets at most (experts)"),
        [
            Optional(),
            NumberRange(min=0, max=100, message=_l("Enter a whole number from 0 to 100.")),
        ],
        default=5,
    )
    locale = SelectField(_l("Language"), choices=[("zh", "中文"), ("en", "English")])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password (leave empty to keep it)"),
        [Optional(), Length(min=8, max=128)],
        render_kw={"autocomplete": "new-password"},
    )
