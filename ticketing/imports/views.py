"""The import page for administrators: templates, upload → dry-run report → confirm, exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ticketing import db, writes
from ticketing.errors import RuleViolation
from ticketing.imports import exports, reader, uploads
from ticketing.imports.columns import ENTITIES
from ticketing.imports.forms import ConfirmForm, UploadForm
from ticketing.imports.services import import_table
from ticketing.reports.exports import download
from ticketing.web import admin_required

bp = Blueprint("imports", __name__)


def _page(form: UploadForm, status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        "imports/page.html",
        form=form,
        entities=ENTITIES,
        formats=exports.FORMATS,
        **context,
    )
    return page, status


@bp.route("/admin/import", methods=["GET", "POST"])
@admin_required
def page() -> ResponseReturnValue:
    form = UploadForm()
    if request.method == "GET" and request.args.get("entity") in ENTITIES:
        form.entity.data = request.args["entity"]
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    upload = form.file.data
    data = upload.read()
    try:
        table = reader.read(form.entity.data, upload.filename or "", data)
    except RuleViolation as violation:
        form.file.errors = [str(violation.message)]
        return _page(form, 422)
    report = writes.run(lambda: import_table(table, current_user, dry_run=True))
    token = uploads.keep(form.entity.data, upload.filename or "", data) if report.good else ""
    confirm = ConfirmForm(token=token, formdata=None)
    return _page(form, report=report, confirm=confirm, filename=upload.filename)


@bp.post("/admin/import/confirm")
@admin_required
def confirm() -> ResponseReturnValue:
    form = ConfirmForm()
    saved = uploads.kept()
    if not form.validate_on_submit():
        abort(400)
    if saved is None or form.token.data != saved["token"]:
        flash(_("That upload is no longer here. Upload the file again."), "error")
        return redirect(url_for("imports.page"), 303)
    table = uploads.table(saved)
    report = writes.run(lambda: import_table(table, current_user, only_good=form.only_good.data))
    upload_form = UploadForm(formdata=None, entity=saved["entity"])
    if not report.written:
        flash(
            _("Nothing was imported: correct the bad rows, or import only the good ones."), "error"
        )
        again = ConfirmForm(token=saved["token"], formdata=None)
        return _page(upload_form, 422, report=report, confirm=again, filename=saved["name"])
    uploads.forget()
    return _page(upload_form, report=report, done=True, filename=saved["name"])


@bp.get("/admin/import/template/<entity>/<form>")
@admin_required
def template(entity: str, form: str) -> ResponseReturnValue:
    if entity not in ENTITIES or form not in exports.FORMATS:
        abort(404)
    return download(*exports.template(entity, form))


@bp.get("/admin/import/export/<entity>/<form>")
@admin_required
def export(entity: str, form: str) -> ResponseReturnValue:
    if entity not in ENTITIES or form not in exports.FORMATS:
        abort(404)
    name, data = exports.export(entity, form, current_user)
    db.session.rollback()
    return download(name, data)
