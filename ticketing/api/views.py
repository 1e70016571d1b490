"""The JSON API under /api/v1: thin views over the same services, transitions and visibility
filter as the pages. Each view parses its input with a schema, calls one service through
the write boundary (writes.run) and answers with a schema."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    json,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from ticketing import permissions, writes
from ticketing.accounts import queries as account_queries
from ticketing.accounts.models import Role, User
from ticketing.api import problems, queries, schemas, tokens
from ticketing.api.fields import action_schema
from ticketing.api.openapi import document as openapi_document
from ticketing.campaigns import queries as campaign_queries
from ticketing.db import local_today
from ticketing.errors import DomainError, NotFound
from ticketing.fairs import queries as fair_queries
from ticketing.orgs import queries as org_queries
from ticketing.tickets import fields as action_fields
from ticketing.tickets import queries as ticket_queries
from ticketing.tickets import queues, services, transitions
from ticketing.tickets.models import Ticket
from ticketing.web import csrf, limiter, name_the_download
from ticketing.workflow import BY_ACTION

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
csrf.exempt(bp)  # bearer calls need none; cookie calls are checked in _authenticate
T = TypeVar("T", bound=BaseModel)
SAFE = ("GET", "HEAD", "OPTIONS")
PUBLIC = ("api.openapi", "api.docs")
LIMIT_MAX = 100
URL_SECRETS = ("access_token", "token", "api_key", "key")


def _token() -> tokens.ApiToken | None:
    """The token of a bearer call, read once per request (the rate limit's key needs it
    before the view's own checks run); None when there is no valid one."""
    if "api_token" not in g:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        valid = scheme.lower() == "bearer" and secret.strip()
        g.api_token = tokens.authenticate(secret.strip()) if valid else None
    return g.api_token


def rate_key() -> str:
    """Calls are counted per token; cookie calls per person; anything else per address."""
    if "Authorization" in request.headers:
        token = _token()
        return f"token:{token.id}" if token else f"ip:{request.remote_addr}"
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{request.remote_addr}"


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_key)(bp)


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint in PUBLIC:
        return None
    if any(name in request.args for name in URL_SECRETS):  # tokens never go in URLs
        return problems.problem(401)
    if "Authorization" in request.headers:
        token = _token()
        if token is None:
            log.info("API call refused: no valid token, from %s", request.remote_addr)
            return problems.problem(401)
        g._login_user = token.user  # Flask-Login's user of this request: the token's owner
        if tokens.note_use(token):
            writes.run(lambda: None)
        return None
    if not current_user.is_authenticated:
        return problems.problem(401)
    if request.method not in SAFE:
        csrf.protect()  # a call with the session cookie needs the X-CSRFToken header
    return None


@bp.errorhandler(DomainError)
def _domain(error: DomainError) -> Response:
    return problems.from_domain(error)


@bp.errorhandler(problems.ApiProblem)
def _problem(error: problems.ApiProblem) -> Response:
    return problems.from_api(error)


@bp.errorhandler(ValidationError)
def _invalid(error: ValidationError) -> Response:
    return problems.from_validation(error)


@bp.errorhandler(CSRFError)
def _csrf(_error: CSRFError) -> Response:
    return problems.csrf_refused()


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> Response:
    return problems.from_http(error)


def _json(model: BaseModel, status: int = 200, etag: int | None = None) -> Response:
    response = Response(model.model_dump_json(by_alias=True), status, mimetype="application/json")
    if etag is not None:
        response.set_etag(str(etag))
    return response


def _body(schema: type[T]) -> T:
    if not request.is_json:
        raise problems.ApiProblem(415)
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise problems.ApiProblem(400) from None
    if not isinstance(data, dict):
        raise problems.ApiProblem(422, errors=[(None, problems.OBJECT_EXPECTED)])
    return schema.model_validate(data)


def _args(schema: type[T]) -> T:
    return schema.model_validate(request.args.to_dict())


def _me() -> User:
    return current_user._get_current_object()


def _expected_version(ticket: Ticket) -> int:
    """The version in If-Match: 428 without one, 412 if the ticket has moved on since."""
    tags = request.if_match
    if not tags or tags.star_tag:
        raise problems.ApiProblem(428)
    if not tags.contains(str(ticket.version)):
        raise problems.ApiProblem(412)
    return ticket.version


def _run(service: Callable[[], Any]) -> Any:
    return writes.run(service)


# the contract -------------------------------------------------------------------------------

# Swagger UI sets style attributes as it draws: the docs page alone allows inline styles.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.get("/openapi.json")
def openapi() -> Response:
    return Response(json.dumps(openapi_document()), mimetype="application/json")


@bp.get("/docs")
def docs() -> Response:
    response = Response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


# tickets ------------------------------------------------------------------------------------


@bp.get("/tickets")
def list_tickets() -> Response:
    query = _args(queries.TicketQuery)
    user = _me()
    mine = queues.queues_for(user)
    widest = queues.QUEUE_BY_KEY["all"] if queues.QUEUE_BY_KEY["all"] in mine else None
    default = widest or (mine[0] if mine else None)  # an admin: all tickets, not only to route
    chosen = queues.QUEUE_BY_KEY.get(query.queue) if query.queue else default
    if chosen is None or chosen not in mine:
        if query.queue:
            raise NotFound(problems.NO_SUCH_QUEUE)
        return _json(schemas.TicketPage(items=[], next_cursor=None, matches=0))
    filters = query.filters()
    limit = min(query.limit, LIMIT_MAX)
    page = queues.list_queue(user, chosen, filters, limit)
    return _json(
        schemas.TicketPage(
            items=[queries.summary(row) for row in page.rows],
            next_cursor=str(page.older) if page.older else None,
            matches=page.matches,
        )
    )


def _ticket(number: str) -> Ticket:
    return ticket_queries.get_ticket_or_404(_me(), number)


def _detail(ticket: Ticket, status: int = 200) -> Response:
    return _json(queries.detail(ticket, _me()), status, etag=ticket.version)


@bp.get("/tickets/<number>")
def get_ticket(number: str) -> Response:
    return _detail(_ticket(number))


@bp.post("/tickets")
def create_ticket() -> Response:
    body = _body(schemas.TicketCreate)
    user = _me()
    zone = current_app.config["ZONE_CODE"]
    ticket = _run(lambda: services.create_draft(user, zone_code=zone, **body.model_dump()))
    response = _detail(ticket, 201)
    response.headers["Location"] = url_for("api.get_ticket", number=ticket.number)
    return response


@bp.patch("/tickets/<number>")
def edit_ticket(number: str) -> Response:
    ticket = _ticket(number)
    body = _body(schemas.TicketEdit)
    user = _me()
    if not permissions.can(user, "edit", ticket):
        raise problems.ApiProblem(403, problems.NOT_EDITABLE)
    version = _expected_version(ticket)
    data = body.model_dump(exclude_unset=True)
    _run(lambda: services.edit_ticket(ticket, user, expected_version=version, **data))
    return _detail(ticket)


@bp.get("/tickets/<number>/actions")
def list_actions(number: str) -> Response:
    ticket = _ticket(number)
    actions = [
        schemas.Action(
            action=t.action,
            label=str(t.label),
            target=t.target,
            confirm=t.confirm,
            schema=action_schema(t),
        )
        for t in transitions.available(ticket, _me())
        if not t.beside
    ]
    return _json(schemas.Actions(version=ticket.version, actions=actions), etag=ticket.version)


@bp.post("/tickets/<number>/actions/<action>")
def perform_action(number: str, action: str) -> Response:
    ticket = _ticket(number)
    t = BY_ACTION.get(action)
    if t is None or t.beside:
        raise NotFound(problems.UNKNOWN_ACTION)
    data = _action_data(t.fields)
    # the body's values by the table's typed fields first (422), then the version (428/412)
    action_fields.given(t, data, not_before=transitions.filed_on(ticket))
    user = _me()
    version = _expected_version(ticket)
    event = _run(
        lambda: transitions.perform(ticket, action, user, expected_version=version, **data)
    )
    performed = schemas.Performed(event_id=event.id, state=ticket.state, version=ticket.version)
    return _json(performed, etag=ticket.version)


def _action_data(fields: tuple[Any, ...]) -> dict[str, Any]:
    """The action's body: a JSON object with the action's fields only (an empty body is {})."""
    if not request.get_data():
        return {}
    if not request.is_json:
        raise problems.ApiProblem(415)
    try:
        data = json.loads(request.get_data(as_text=True))
    except ValueError:
        raise problems.ApiProblem(400) from None
    if not isinstance(data, dict):
        raise problems.ApiProblem(422, errors=[(None, problems.OBJECT_EXPECTED)])
    known = {f.name for f in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise problems.ApiProblem(
            422, errors=[(name, problems.MESSAGES["extra_forbidden"]) for name in unknown]
        )
    return data


@bp.post("/tickets/<number>/confidential")
def set_confidential(number: str) -> Response:
    """The filer or an admin marks the ticket confidential (保密) or lifts the mark."""
    ticket = _ticket(number)
    body = _body(schemas.ConfidentialChange)
    user = _me()
    version = _expected_version(ticket)
    _run(
        lambda: services.set_confidential(
            ticket, user, confidential=body.confidential, expected_version=version
        )
    )
    return _detail(ticket)


# comments and visit records -----------------------------------------------------------------


@bp.get("/tickets/<number>/comments")
def list_comments(number: str) -> Response:
    ticket = _ticket(number)
    return _json(queries.CommentList(queries.comments(ticket, _me())))


@bp.post("/tickets/<number>/comments")
def add_comment(number: str) -> Response:
    ticket = _ticket(number)
    body = _body(schemas.CommentCreate)
    user = _me()
    comment = _run(lambda: services.add_comment(ticket, user, **body.model_dump()))
    return _json(queries.comment_out(comment, user.name), 201, etag=ticket.version)


@bp.get("/tickets/<number>/visits")
def list_visits(number: str) -> Response:
    ticket = _ticket(number)
    return _json(queries.VisitList(queries.visits(ticket)))


@bp.post("/tickets/<number>/visits")
def add_visit(number: str) -> Response:
    ticket = _ticket(number)
    body = _body(schemas.VisitCreate)
    user = _me()
    visit = _run(lambda: services.record_visit(ticket, user, **body.model_dump()))
    return _json(queries.visit_out(visit, user.name), 201, etag=ticket.version)


@bp.get("/tickets/<number>/cooperations")
def list_cooperations(number: str) -> Response:
    ticket = _ticket(number)
    return _json(queries.CooperationList(queries.cooperations(ticket)))


# files --------------------------------------------------------------------------------------


@bp.get("/tickets/<number>/attachments")
def list_attachments(number: str) -> Response:
    ticket = _ticket(number)
    return _json(queries.AttachmentList(queries.attachments(ticket, _me())))


@bp.post("/tickets/<number>/attachments")
def add_attachment(number: str) -> Response:
    """A file sent as multipart/form-data (`file`, and `internal` for staff notes)."""
    ticket = _ticket(number)
    upload = request.files.get("file")
    if upload is None:
        raise problems.ApiProblem(422, errors=[("file", problems.MESSAGES["missing"])])
    internal = request.form.get("internal", "false")
    if internal not in ("true", "false"):
        raise problems.ApiProblem(422, errors=[("internal", problems.INVALID)])
    user = _me()
    config = current_app.config
    attachment = _run(
        lambda: services.add_attachment(
            ticket,
            user,
            stream=upload.stream,
            filename=upload.filename or "",
            folder=config["UPLOAD_FOLDER"],
            max_bytes=config["MAX_ATTACHMENT_MB"] * 1024 * 1024,
            internal=internal == "true",
        )
    )
    return _json(queries.attachment_out(attachment, user.name), 201, etag=ticket.version)


@bp.get("/attachments/<int(max=2147483647):attachment_id>")
def download(attachment_id: int) -> Response:
    """The file, as the ticket page gives it: only to those who see it, always as a download."""
    attachment = ticket_queries.get_attachment_or_404(_me(), attachment_id)
    path = services.attachment_path(current_app.config["UPLOAD_FOLDER"], attachment)
    if not path.is_file():
        raise NotFound(problems.FILE_GONE)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return name_the_download(response, attachment.original_name, f"attachment-{attachment.id}")


# organisations ------------------------------------------------------------------------------


@bp.get("/enterprises")
def list_enterprises() -> Response:
    """The enterprises one may file for: all active ones for an admin, else one's own."""
    rows = org_queries.enterprise_choices(_me())
    return _json(queries.NamedList([schemas.Named(id=e.id, name=e.name) for e in rows]))


@bp.get("/universities")
def list_universities() -> Response:
    """The active partner universities."""
    rows = org_queries.university_choices()
    return _json(queries.NamedList([schemas.Named(id=r[0], name=r[1]) for r in rows]))


@bp.get("/campaigns")
def list_campaigns() -> Response:
    """The campaigns (专项行动), for zone administrators as on the pages; 404 for others."""
    if not permissions.is_admin(_me()):
        raise problems.ApiProblem(404)
    rows = campaign_queries.campaigns()
    return _json(queries.CampaignList([queries.campaign_out(c) for c in rows]))


@bp.get("/fairs")
def list_fairs() -> Response:
    """Fairs and ceremonies: all for admins, those their university is invited to for
    liaisons; 404 for others (as on the pages)."""
    query = _args(queries.FairQuery)
    page = fair_queries.fairs(_me(), {"after": query.cursor}, local_today())
    return _json(queries.fair_page(page))


@bp.get("/experts")
def list_experts() -> Response:
    """An admin: the experts of `university`; a liaison: of their own university."""
    query = _args(queries.ExpertQuery)
    user = _me()
    if permissions.is_admin(user):
        university = query.university
    elif Role.LIAISON in user.roles and query.university in (None, user.university_id):
        university = user.university_id
    else:
        university = None
    rows = account_queries.expert_choices(university)
    return _json(queries.ExpertList([queries.expert_out(row) for row in rows]))


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest: str) -> Response:
    """Any other path under /api/v1: a problem, like every answer of the API."""
    raise problems.ApiProblem(404)
