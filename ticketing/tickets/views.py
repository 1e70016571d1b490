"""Ticket pages: queues, the ticket page with its actions, filing, comments and files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ticketing import db, permissions, workflow, writes
from ticketing.accounts import queries as account_queries
from ticketing.challenges.services import open_challenge_of
from ticketing.db import local_today
from ticketing.errors import DomainError, NotFound
from ticketing.i18n import labels
from ticketing.orgs import queries as org_queries
from ticketing.outcomes.models import Outcome
from ticketing.routing import suggest
from ticketing.search import queries as search_queries
from ticketing.search.forms import DeleteSearchForm, SaveSearchForm
from ticketing.tickets import effects, queries, queues, services, todos, transitions
from ticketing.tickets.forms import (
    CONFIDENTIAL_HINT,
    FILES_AT_FILING,
    AttachmentForm,
    CommentForm,
    ConfidentialForm,
    TicketForm,
    VisitForm,
    action_form_class,
)
from ticketing.tickets.models import Ticket
from ticketing.web import name_the_download
from ticketing.workflow import STEP_STAGES

bp = Blueprint("tickets", __name__)


@bp.get("/")
def home() -> Response | str:
    """What waits for the person (需我处理), list by list."""
    if not current_user.is_authenticated:  # the first visit: straight to sign-in, no warning
        return redirect(url_for("accounts.login"))
    waiting = todos.todos(current_user)
    if not waiting.lists:
        return render_template("tickets/no_role.html")
    return render_template(
        "tickets/home.html",
        todos=waiting,
        cap=todos.COUNT_CAP,
        shown=todos.SHOWN,
        days=current_app.config["VISIT_REMINDER_DAYS"],
        queues=queues.queues_for(current_user),
    )


@bp.get("/queue/<key>")
@login_required
def queue(key: str) -> str:
    chosen = queues.QUEUE_BY_KEY.get(key)
    if chosen is None or chosen not in queues.queues_for(current_user):
        abort(404)
    filters = queues.Filters.from_args(request.args)
    admin_view = permissions.is_admin(current_user)
    page = queues.list_queue(current_user, chosen, filters, current_app.config["PAGE_SIZE"])
    return render_template(
        "tickets/queue.html",
        queue=chosen,
        page=page,
        filters=filters,
        states=labels("state"),
        categories=labels("category"),
        priorities=labels("priority"),
        enterprises=org_queries.own_enterprises(current_user),
        universities=org_queries.university_choices() if admin_view else [],
        admin_view=admin_view,
        cap=queues.COUNT_CAP,
        ranked_cap=queues.RANKED,
        saved_searches=search_queries.saved_searches(current_user),
        save_form=SaveSearchForm(queue=chosen.key, args=urlencode(filters.as_args())),
        delete_form=DeleteSearchForm(),
    )


def _ticket_form(ticket: Ticket | None = None) -> TicketForm:
    form = (
        TicketForm(obj=ticket) if ticket is not None and request.method == "GET" else TicketForm()
    )
    choices = org_queries.enterprise_choices(current_user)
    if ticket is not None and ticket.enterprise not in choices:
        choices = [ticket.enterprise, *choices]
    form.enterprise_id.choices = [(e.id, e.name) for e in choices]
    if ticket is not None:
        del form.confidential  # after filing, the mark has its own toggle on the ticket page
        del form.files  # and files are added on the ticket page
        if request.method == "GET":
            form.version.data = ticket.version
    return form


def _store_uploads(ticket: Ticket, files: Any, field: str, most: int) -> None:
    """The files chosen in a form's file field (none chosen: nothing to do)."""
    chosen = [f for f in (files if isinstance(files, list) else [files]) if f and f.filename]
    if not chosen:
        return
    config = current_app.config
    services.add_uploads(
        ticket,
        current_user,
        [(f.stream, f.filename) for f in chosen],
        folder=config["UPLOAD_FOLDER"],
        max_bytes=config["MAX_ATTACHMENT_MB"] * 1024 * 1024,
        field=field,
        most=most,
    )


def _ticket_data(form: TicketForm) -> dict[str, Any]:
    names = ("title", "description", "category", "priority", "enterprise_id", "confidential")
    return {name: form[name].data for name in names if name in form}


def _saved(ticket: Ticket) -> Response:
    flash(_("Ticket %(number)s saved.", number=ticket.number), "success")
    return redirect(url_for("tickets.detail", number=ticket.number))


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    form = _ticket_form()

    def file() -> Ticket:
        ticket = services.create_draft(
            current_user, zone_code=current_app.config["ZONE_CODE"], **_ticket_data(form)
        )
        _store_uploads(ticket, form.files.data, "files", FILES_AT_FILING)
        if request.form.get("submit_now"):
            transitions.perform(ticket, "submit", current_user)
        return ticket

    def again(status: int, message: str | None) -> tuple[str, int]:
        if message:
            form.form_errors.append(message)
        page = render_template(
            "tickets/form.html",
            form=form,
            ticket=None,
            files_at_filing=FILES_AT_FILING,
            max_mb=current_app.config["MAX_ATTACHMENT_MB"],
        )
        return page, status

    return writes.submit(form, file, done=_saved, again=again)


@bp.route("/tickets/<number>/edit", methods=["GET", "POST"])
@login_required
def edit(number: str) -> ResponseReturnValue:
    ticket = queries.get_ticket_or_404(current_user, number)
    if not permissions.can(current_user, "edit", ticket):
        flash(_("This ticket can no longer be edited."), "error")
        return redirect(url_for("tickets.detail", number=number))
    form = _ticket_form(ticket)

    def again(status: int, message: str | None) -> tuple[str, int]:
        if message:
            form.form_errors.append(message)
        return render_template("tickets/form.html", form=form, ticket=ticket), status

    return writes.submit(
        form,
        lambda: services.edit_ticket(
            ticket, current_user, expected_version=_version(form), **_ticket_data(form)
        ),
        done=lambda _event: _saved(ticket),
        again=again,
    )


def _version(form: Any) -> int | None:
    raw = form.version.data
    return int(raw) if raw and str(raw).isdigit() else None


# the actions whose form shows routing suggestions, each a one-click choice (their only field
# is the university or the expert); transfer and reassign need a reason and keep the picker
SUGGESTED = ("route", "assign_expert")
SUGGESTIONS_SHOWN = 3


def _action_forms(
    ticket: Ticket,
    posted: dict[str, Any] | None = None,
    outcomes: list[Outcome] | None = None,
    suggesting: bool = True,
) -> dict[str, Any]:
    """The forms of the actions the person may take, with their choices; with `suggesting`,
    the route and assign forms carry the ranked suggestions and order their picker by them."""
    forms = dict(posted or {})
    if outcomes is None:
        outcomes = queries.outcomes_of(ticket)
    for t in transitions.available(ticket, current_user):
        if t.beside:
            continue  # taken from its own page (the open challenge's pick)
        if t.action in STEP_STAGES and not effects.eligible(t.action, outcomes):
            continue  # no cooperation of the ticket is at a stage for this step
        if t.action not in forms:
            form = action_form_class(t.action)(prefix=t.action, formdata=None)
            form.version.data = ticket.version
            forms[t.action] = form
    universities = None
    for action, form in forms.items():
        if "university_id" in form:
            if universities is None:
                universities = org_queries.university_choices()
            choices = partner_first(ticket, universities)
            if suggesting and action in SUGGESTED:
                ranked = suggest.suggest_universities(ticket, universities)
                form.suggestions = ranked[:SUGGESTIONS_SHOWN]
                choices = _in_order(choices, [s.id for s in ranked])
            form.university_id.choices = [("", _("Choose…"))] + choices
        if "expert_id" in form:
            now = db.utcnow()
            experts = [
                e
                for e in account_queries.expert_choices(ticket.university_id)
                if e.id != ticket.expert_id
            ]
            choices = [(e.id, _expert_label(e, now)) for e in experts]
            if suggesting and action in SUGGESTED:
                ranked = suggest.suggest_experts(ticket, experts)
                form.suggestions = ranked[:SUGGESTIONS_SHOWN]
                choices = _in_order(choices, [s.id for s in ranked])
            form.expert_id.choices = [("", _("Choose…"))] + choices
            form.experts = experts
            form.now = now
        form.transition = workflow.BY_ACTION[action]
    _cooperation_choices(forms, ticket, outcomes)
    return forms


def _in_order(choices: list[tuple[int, str]], ranking: list[int]) -> list[tuple[int, str]]:
    """The picker's options in the order of the suggestions (any not ranked last)."""
    place = {choice_id: n for n, choice_id in enumerate(ranking)}
    return sorted(choices, key=lambda choice: place.get(choice[0], len(place)))


def _cooperation_choices(forms: dict[str, Any], ticket: Ticket, outcomes: list[Outcome]) -> None:
    """The choices of the cooperation steps: which cooperation (preselected when only one
    fits), the university (the ticket's by default) and the fair or ceremony."""
    fairs = None
    for action, form in forms.items():
        if "cooperation_id" in form:
            fitting = effects.eligible(action, outcomes)
            form.cooperation_id.choices = [("", _("Choose…"))] + [
                (o.id, _cooperation_label(o)) for o in fitting
            ]
            if len(fitting) == 1 and form.cooperation_id.data is None:
                form.cooperation_id.data = fitting[0].id
        if action == "record_intention":  # left empty: the ticket's university
            form.university_id.choices[0] = ("", _("The ticket's university"))
        for name, kinds in (("intention_fair_id", ("fair",)), ("agreement_fair_id", None)):
            if name in form:
                fairs = queries.fair_choices() if fairs is None else fairs
                form[name].choices = [("", _("None"))] + [
                    (f.id, f"{f.held_on.isoformat()} {f.title}")
                    for f in fairs
                    if kinds is None or f.kind in kinds
                ]


def _cooperation_label(outcome: Outcome) -> str:
    stage = workflow.STAGE_LABELS[outcome.stage]
    form = workflow.COOPERATION_FORM_LABELS.get(outcome.cooperation_form, "")
    return " · ".join(str(part) for part in (outcome.title or form, form, stage) if part)


def partner_first(ticket: Ticket, universities: list[Any]) -> list[tuple[int, str]]:
    """The universities to route to, the enterprise's partner university (一企一校) first and
    labelled as such; the ticket's present university left out."""
    partner = ticket.enterprise.partner_university_id if ticket.enterprise else None
    choices = [(uid, name) for uid, name in universities if uid != ticket.university_id]
    first = [
        (uid, _("%(name)s (partner university)", name=name))
        for uid, name in choices
        if uid == partner
    ]
    return first + [(uid, name) for uid, name in choices if uid != partner]


def _expert_label(expert: account_queries.ExpertChoice, now: datetime) -> str:
    """One option of the expert picker: name, title, load against capacity, last assigned."""
    parts = [expert.name]
    if expert.title:
        parts.append(expert.title)
    parts.append(_("%(open)d of %(capacity)d open", open=expert.open, capacity=expert.capacity))
    days = expert.days_since_assigned(now)
    if days is None:
        parts.append(_("never assigned"))
    else:
        parts.append(_("last assigned %(days)d days ago", days=days))
    return " · ".join(parts)


def _new_visit_form(ticket: Ticket) -> VisitForm:
    """The visit record, filled in as far as it can be: today, at the enterprise, the expert
    and the enterprise's contact person; what was found is left to write."""
    form = VisitForm(formdata=None)
    form.visited_on.data = local_today()
    form.place.data = " ".join((ticket.enterprise.address or ticket.enterprise.name).split())[:200]
    people = [current_user.name, ticket.enterprise.contact_name]
    form.participants.data = "、".join(p for p in people if p)
    return form


def _render_ticket(
    ticket: Ticket,
    *,
    status: int = 200,
    posted: dict[str, Any] | None = None,
    error: str | None = None,
    comment_form: CommentForm | None = None,
    file_form: AttachmentForm | None = None,
    visit_form: VisitForm | None = None,
    confidential_form: ConfidentialForm | None = None,
) -> tuple[str, int]:
    if confidential_form is None:
        confidential_form = ConfidentialForm(formdata=None)
        confidential_form.version.data = ticket.version
    outcomes = queries.outcomes_of(ticket)
    # an admin may publish a ticket awaiting routing as an open challenge (揭榜挂帅)
    offer_challenge = (
        permissions.is_admin(current_user) and ticket.state == workflow.State.SUBMITTED
    )
    page = render_template(
        "tickets/detail.html",
        ticket=ticket,
        forms=_action_forms(ticket, posted, outcomes),
        open_action=next(iter(posted), None) if posted else None,
        error=error,
        timeline=queries.timeline(
            ticket, current_user, before=queues.Cursor.parse(request.args.get("earlier"))
        ),
        outcomes=outcomes,
        stage_labels=workflow.STAGE_LABELS,
        comment_form=comment_form or CommentForm(formdata=None),
        file_form=file_form or AttachmentForm(formdata=None),
        visit_form=visit_form or _new_visit_form(ticket),
        confidential_form=confidential_form,
        can_visit=permissions.can(current_user, "record_visit", ticket),
        can_comment=permissions.can(current_user, "comment", ticket),
        can_internal=permissions.can(current_user, "internal_note", ticket),
        can_attach=permissions.can(current_user, "attach", ticket),
        can_edit=permissions.can(current_user, "edit", ticket),
        can_mark=permissions.can(current_user, "set_confidential", ticket),
        can_see_contact=permissions.can_see_contact(current_user, ticket),
        confidential_hint=CONFIDENTIAL_HINT,
        offer_challenge=offer_challenge,
        open_challenge=open_challenge_of(ticket) if offer_challenge else None,
        max_mb=current_app.config["MAX_ATTACHMENT_MB"],
    )
    return page, status


@bp.get("/tickets/<number>")
@login_required
def detail(number: str) -> tuple[str, int]:
    return _render_ticket(queries.get_ticket_or_404(current_user, number))


@bp.post("/tickets/<number>/act/<action>")
@login_required
def act(number: str, action: str) -> ResponseReturnValue:
    ticket = queries.get_ticket_or_404(current_user, number)
    if action not in workflow.BY_ACTION or workflow.BY_ACTION[action].beside:
        abort(404)
    try:
        transitions.check(ticket, action, current_user)
    except DomainError as error:
        return _render_ticket(ticket, status=error.status, error=str(error.message))
    form = action_form_class(action)(prefix=action)
    # fills the choices the form validates against
    _action_forms(ticket, {action: form}, suggesting=False)

    def done(_event: Any) -> Response:
        flash(_("Done: %(action)s.", action=workflow.BY_ACTION[action].label), "success")
        return redirect(url_for("tickets.detail", number=number), 303)

    def again(status: int, message: str | None) -> tuple[str, int]:
        current = _reload(number)
        if message is None:
            return _render_ticket(current, status=status, posted={action: form})
        return _render_ticket(current, status=status, error=message)

    def change() -> Any:
        event = transitions.perform(
            ticket,
            action,
            current_user,
            expected_version=form.expected_version(),
            **form.data_for_service(),
        )
        if "scan" in form:  # the document of the step, kept with the ticket
            _store_uploads(ticket, form.scan.data, "scan", 1)
        return event

    return writes.submit(form, change, done=done, again=again)


def _reload(number: str) -> Ticket:
    """The ticket as it is now, after a rolled-back attempt (its state may have moved on)."""
    db.session.expire_all()
    try:
        return queries.get_ticket_or_404(current_user, number)
    except NotFound:
        abort(404)


def _add_to_ticket(
    number: str, form: Any, form_name: str, write: Callable[[Ticket], object], done: str
) -> ResponseReturnValue:
    """The shared flow of the forms under the history: comment, visit record, file."""
    ticket = queries.get_ticket_or_404(current_user, number)

    def added(_item: object) -> Response:
        flash(done, "success")
        return redirect(url_for("tickets.detail", number=number, _anchor="timeline"), 303)

    def again(status: int, message: str | None) -> tuple[str, int]:
        if message is not None:
            return _render_ticket(_reload(number), status=status, error=message)
        return _render_ticket(_reload(number), status=status, **{form_name: form})

    return writes.submit(form, lambda: write(ticket), done=added, again=again)


@bp.post("/tickets/<number>/comments")
@login_required
def comment(number: str) -> ResponseReturnValue:
    form = CommentForm()
    return _add_to_ticket(
        number,
        form,
        "comment_form",
        lambda ticket: services.add_comment(
            ticket, current_user, body=form.body.data, internal=bool(form.internal.data)
        ),
        _("Comment added."),
    )


VISIT_FIELDS = ("visited_on", "place", "participants", "findings", "agreed")


@bp.post("/tickets/<number>/visits")
@login_required
def visit(number: str) -> ResponseReturnValue:
    form = VisitForm()
    return _add_to_ticket(
        number,
        form,
        "visit_form",
        lambda ticket: services.record_visit(
            ticket, current_user, **{name: form[name].data for name in VISIT_FIELDS}
        ),
        _("Visit recorded."),
    )


@bp.post("/tickets/<number>/attachments")
@login_required
def attach(number: str) -> ResponseReturnValue:
    form = AttachmentForm()
    config = current_app.config
    return _add_to_ticket(
        number,
        form,
        "file_form",
        lambda ticket: services.add_attachment(
            ticket,
            current_user,
            stream=form.file.data.stream,
            filename=form.file.data.filename or "",
            folder=config["UPLOAD_FOLDER"],
            max_bytes=config["MAX_ATTACHMENT_MB"] * 1024 * 1024,
            internal=bool(form.internal.data),
        ),
        _("File added."),
    )


@bp.post("/tickets/<number>/confidential")
@login_required
def confidential(number: str) -> ResponseReturnValue:
    form = ConfidentialForm()
    wanted = form.confidential.data == "1"
    message = _("Marked confidential.") if wanted else _("The confidential mark is lifted.")
    return _add_to_ticket(
        number,
        form,
        "confidential_form",
        lambda ticket: services.set_confidential(
            ticket, current_user, confidential=wanted, expected_version=_version(form)
        ),
        message,
    )


@bp.get("/files/<int(max=2147483647):attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    attachment = queries.get_attachment_or_404(current_user, attachment_id)
    path = services.attachment_path(current_app.config["UPLOAD_FOLDER"], attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return name_the_download(response, attachment.original_name, f"attachment-{attachment.id}")
