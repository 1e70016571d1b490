"""The OpenAPI 3.1 document, generated from the pydantic schemas (schemas.py) and, for each
action's body, from the transition table's typed fields (fields.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ticketing.api import queries, schemas
from ticketing.api.fields import action_schema
from ticketing.workflow import TRANSITIONS

REF = "#/components/schemas/{model}"
RESPONSES = (schemas.Problem, schemas.TicketPage, schemas.Ticket, schemas.Actions)
RESPONSES_MORE = (
    schemas.Performed,
    schemas.Comment,
    schemas.Visit,
    schemas.Cooperation,
    schemas.Attachment,
    schemas.Named,
    schemas.Campaign,
    schemas.FairPage,
)
REQUESTS = (
    schemas.TicketCreate,
    schemas.TicketEdit,
    schemas.ConfidentialChange,
    schemas.CommentCreate,
    schemas.VisitCreate,
)
ERRORS = ("400", "401", "403", "404", "409", "412", "415", "422", "428", "429")


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _content(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"content": {media: {"schema": schema}}}


def _ok(
    schema: dict[str, Any], status: str = "200", etag: bool = False, media: str = "application/json"
) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": "OK", **_content(schema, media)}
    if etag:
        answer["headers"] = {"ETag": {"schema": {"type": "string"}}}
    problem = _content(_ref(schemas.Problem), "application/problem+json")
    errors = {code: {"description": "A problem (RFC 9457)", **problem} for code in ERRORS}
    return {status: answer, **errors}


# What a client can do next with the ticket it filed (OpenAPI links: a client, or a stateful
# test, follows them with the new ticket's number and ETag).
NEXT = {
    "getTicket": {},
    "listActions": {},
    "listComments": {},
    "addComment": {},
    "editTicket": {"header.If-Match": "$response.header.ETag"},
    "perform_submit": {"header.If-Match": "$response.header.ETag"},
    "perform_withdraw": {"header.If-Match": "$response.header.ETag"},
}


def _linked(responses: dict[str, Any], status: str) -> dict[str, Any]:
    responses[status]["links"] = {
        operation: {
            "operationId": operation,
            "parameters": {"number": "$response.body#/number", **extra},
        }
        for operation, extra in NEXT.items()
    }
    return responses


def _array(model: type[BaseModel]) -> dict[str, Any]:
    return {"type": "array", "items": _ref(model)}


NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 24},
}
ATTACHMENT_ID = {
    "name": "attachment_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}
UPLOAD = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "internal": {"type": "string", "enum": ["true", "false"]},
    },
    "required": ["file"],
    "additionalProperties": False,
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the ticket as read; without it 428, outdated 412",
    "schema": {"type": "string"},
}


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Query parameters from a schema's fields (an optional one without its null branch)."""
    schema = model.model_json_schema()
    parameters = []
    for name, prop in schema["properties"].items():
        options = [s for s in prop.get("anyOf", []) if s.get("type") != "null"]
        plain = dict(options[0]) if options else {k: v for k, v in prop.items() if k != "title"}
        for key in ("description", "default"):
            if key in prop:
                plain.setdefault(key, prop[key])
        parameters.append({"name": name, "in": "query", "required": False, "schema": plain})
    return parameters


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, **_content(schema)}


def document() -> dict[str, Any]:
    models = [(m, "serialization") for m in (*RESPONSES, *RESPONSES_MORE)]
    models += [(m, "validation") for m in REQUESTS]
    _mapping, definitions = models_json_schema(models, ref_template=REF)
    components = dict(definitions.get("$defs", {}))
    paths: dict[str, Any] = {
        "/tickets": {
            "get": {
                "operationId": "listTickets",
                "summary": _("Tickets of one of your queues, newest activity first"),
                "parameters": _query(queries.TicketQuery),
                "responses": _ok(_ref(schemas.TicketPage)),
            },
            "post": {
                "operationId": "createTicket",
                "summary": _("File a new ticket (a draft)"),
                "requestBody": _body(_ref(schemas.TicketCreate)),
                "responses": _linked(_ok(_ref(schemas.Ticket), "201", etag=True), "201"),
            },
        },
        "/tickets/{number}": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "getTicket",
                "summary": _("A ticket with its latest history"),
                "responses": _ok(_ref(schemas.Ticket), etag=True),
            },
            "patch": {
                "operationId": "editTicket",
                "summary": _("Edit a draft or submitted ticket"),
                "parameters": [IF_MATCH],
                "requestBody": _body(_ref(schemas.TicketEdit)),
                "responses": _ok(_ref(schemas.Ticket), etag=True),
            },
        },
        "/tickets/{number}/actions": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listActions",
                "summary": _("The actions you may take on the ticket now"),
                "responses": _ok(_ref(schemas.Actions), etag=True),
            },
        },
        "/tickets/{number}/confidential": {
            "parameters": [NUMBER],
            "post": {
                "operationId": "setConfidential",
                "summary": _("Mark the ticket confidential, or lift the mark"),
                "parameters": [IF_MATCH],
                "requestBody": _body(_ref(schemas.ConfidentialChange)),
                "responses": _ok(_ref(schemas.Ticket), etag=True),
            },
        },
        "/tickets/{number}/comments": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listComments",
                "summary": _("The comments you may read"),
                "responses": _ok(_array(schemas.Comment)),
            },
            "post": {
                "operationId": "addComment",
                "summary": _("Add a comment"),
                "requestBody": _body(_ref(schemas.CommentCreate)),
                "responses": _ok(_ref(schemas.Comment), "201"),
            },
        },
        "/tickets/{number}/visits": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listVisits",
                "summary": _("The visit records"),
                "responses": _ok(_array(schemas.Visit)),
            },
            "post": {
                "operationId": "addVisit",
                "summary": _("Record a visit (the assigned expert)"),
                "requestBody": _body(_ref(schemas.VisitCreate)),
                "responses": _ok(_ref(schemas.Visit), "201"),
            },
        },
        "/tickets/{number}/cooperations": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listCooperations",
                "summary": _("The cooperations of a resolved problem"),
                "responses": _ok(_array(schemas.Cooperation)),
            },
        },
        "/tickets/{number}/attachments": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listAttachments",
                "summary": _("The files you may read"),
                "responses": _ok(_array(schemas.Attachment)),
            },
            "post": {
                "operationId": "addAttachment",
                "summary": _("Add a file"),
                "requestBody": {
                    "required": True,
                    **_content(UPLOAD, "multipart/form-data"),
                },
                "responses": _ok(_ref(schemas.Attachment), "201"),
            },
        },
        "/attachments/{attachment_id}": {
            "parameters": [ATTACHMENT_ID],
            "get": {
                "operationId": "downloadAttachment",
                "summary": _("Download a file"),
                "responses": _ok({"type": "string", "format": "binary"}, media="*/*"),
            },
        },
        "/enterprises": {
            "get": {
                "operationId": "listEnterprises",
                "summary": _("The enterprises you may file tickets for"),
                "responses": _ok(_array(schemas.Named)),
            }
        },
        "/universities": {
            "get": {
                "operationId": "listUniversities",
                "summary": _("The partner universities"),
                "responses": _ok(_array(schemas.Named)),
            }
        },
        "/campaigns": {
            "get": {
                "operationId": "listCampaigns",
                "summary": _("The campaigns (zone administrators)"),
                "responses": _ok(_array(schemas.Campaign)),
            }
        },
        "/fairs": {
            "get": {
                "operationId": "listFairs",
                "summary": _("Fairs and signing ceremonies, latest first"),
                "parameters": _query(queries.FairQuery),
                "responses": _ok(_ref(schemas.FairPage)),
            }
        },
        "/experts": {
            "get": {
                "operationId": "listExperts",
                "summary": _("Experts of a university (admins), or of your own (liaisons)"),
                "parameters": _query(queries.ExpertQuery),
                "responses": _ok(_array(schemas.Expert)),
            }
        },
    }
    for t in TRANSITIONS:
        if t.beside:
            continue
        name = f"Action_{t.action}"
        components[name] = action_schema(t)
        paths[f"/tickets/{{number}}/actions/{t.action}"] = {
            "parameters": [NUMBER],
            "post": {
                "operationId": f"perform_{t.action}",
                "summary": str(t.label),
                "parameters": [IF_MATCH],
                "requestBody": _body({"$ref": REF.format(model=name)}, required=bool(t.requires)),
                "responses": _ok(_ref(schemas.Performed), etag=True),
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": _("Ticketing API"),
            "version": "1",
            "description": _(
                "Tickets of the zone's tech commissioners, routed to partner universities. "
                "Send a personal access token (created on your account page) as "
                "“Authorization: Bearer …”."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
