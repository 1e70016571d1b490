"""Open challenge pages: the list, a challenge's page (a liaison proposes there; an admin
compares the proposals side by side and picks one), publishing from a ticket, withdrawing.
Admins and liaisons of partner universities see them; everyone else gets 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ticketing import db, permissions, writes
from ticketing.accounts import queries as account_queries
from ticketing.challenges import queries, services
from ticketing.challenges.forms import PickForm, ProposalForm, PublishForm, WithdrawForm
from ticketing.challenges.models import (
    CHALLENGE_STATUS_LABELS,
    PROPOSAL_STATUS_LABELS,
    Challenge,
    ChallengeStatus,
)
from ticketing.tickets import queries as ticket_queries

bp = Blueprint("challenges", __name__, url_prefix="/challenges")
CHALLENGE_ID = "<int(max=2147483647):challenge_id>"

writes.explain_unique(
    "uq_challenge_open_ticket", "deadline", _l("This ticket is already an open challenge.")
)
writes.explain_unique(
    "uq_proposal_challenge_university",
    "approach",
    _l("Your university has just sent a proposal; reload the page to revise it."),
)


@bp.before_request
@login_required
def _signed_in() -> None:
    if not queries.sees_challenges(current_user):
        abort(404)
    return None


def _version(raw: Any) -> int | None:
    return int(raw) if raw and str(raw).isdigit() and len(str(raw)) < 10 else None


@bp.get("")
def index() -> str:
    admin = permissions.is_admin(current_user)
    closed = admin and request.args.get("show") == "closed"
    return render_template(
        "challenges/list.html",
        rows=queries.challenges(current_user, closed=closed),
        closed=closed,
        admin=admin,
        statuses=CHALLENGE_STATUS_LABELS,
        proposal_statuses=PROPOSAL_STATUS_LABELS,
    )


def _page(
    challenge: Challenge,
    *,
    status: int = 200,
    proposal_form: ProposalForm | None = None,
    error: str | None = None,
) -> tuple[str, int]:
    admin = permissions.is_admin(current_user)
    own = None if admin else queries.own_proposal(current_user, challenge)
    open_now = challenge.status == ChallengeStatus.OPEN
    before_deadline = db.local_today() <= challenge.deadline
    form = None
    if not admin and open_now and before_deadline:
        form = proposal_form
        if form is None:
            form = ProposalForm(formdata=None, obj=own)
        experts = account_queries.expert_choices(current_user.university_id)
        form.expert_id.choices = [("", _("Choose…"))] + [
            (
                e.id,
                _(
                    "%(name)s · %(open)d of %(capacity)d open",
                    name=e.name,
                    open=e.open,
                    capacity=e.capacity,
                ),
            )
            for e in experts
        ]
    ticket = challenge.ticket if admin else None
    page = render_template(
        "challenges/detail.html",
        challenge=challenge,
        problem=None if admin else queries.public_ticket(challenge),
        ticket=ticket,
        admin=admin,
        own=own,
        form=form,
        open_now=open_now,
        before_deadline=before_deadline,
        compared=queries.compared(challenge) if admin else [],
        pick_form=PickForm(formdata=None, version=ticket.version if ticket else None),
        withdraw_form=WithdrawForm(formdata=None),
        statuses=CHALLENGE_STATUS_LABELS,
        proposal_statuses=PROPOSAL_STATUS_LABELS,
        error=error,
    )
    return page, status


@bp.get(f"/{CHALLENGE_ID}")
def detail(challenge_id: int) -> tuple[str, int]:
    return _page(queries.challenge_or_404(current_user, challenge_id))


def _again(challenge_id: int, form: Any) -> Any:
    """The challenge's page again, with what went wrong on top (a button's form has no field
    to show an error at)."""

    def again(status: int, message: str | None) -> tuple[str, int]:
        if message is None:
            errors = [e for f in form for e in f.errors] + list(form.form_errors)
            message = " ".join(str(e) for e in errors) or _(
                "The form expired. Please send it again."
            )
        db.session.expire_all()
        challenge = queries.challenge_or_404(current_user, challenge_id)
        return _page(challenge, status=status, error=message)

    return again


@bp.post(f"/{CHALLENGE_ID}/propose")
def propose(challenge_id: int) -> ResponseReturnValue:
    challenge = queries.challenge_or_404(current_user, challenge_id)
    form = ProposalForm()
    form.expert_id.choices = [("", "")]  # the service checks the expert

    def done(_proposal: Any) -> Response:
        flash(_("Your proposal is sent."), "success")
        return redirect(url_for("challenges.detail", challenge_id=challenge_id), 303)

    def again(status: int, message: str | None) -> tuple[str, int]:
        db.session.expire_all()
        fresh = queries.challenge_or_404(current_user, challenge_id)
        return _page(fresh, status=status, proposal_form=form, error=message)

    return writes.submit(
        form,
        lambda: services.propose(
            challenge,
            current_user,
            expert_id=form.expert_id.data,
            approach=form.approach.data,
            days=form.days.data,
            cost=form.cost.data,
        ),
        done=done,
        again=again,
    )


@bp.post(f"/{CHALLENGE_ID}/pick")
def pick(challenge_id: int) -> ResponseReturnValue:
    if not permissions.is_admin(current_user):
        abort(404)
    challenge = queries.challenge_or_404(current_user, challenge_id)
    form = PickForm()

    def done(_event: Any) -> Response:
        flash(_("The proposal is picked; the ticket is routed and assigned."), "success")
        return redirect(url_for("challenges.detail", challenge_id=challenge_id), 303)

    return writes.submit(
        form,
        lambda: services.pick(
            challenge,
            current_user,
            proposal_id=form.proposal_id.data,
            expected_version=_version(form.version.data),
        ),
        done=done,
        again=_again(challenge_id, form),
    )


@bp.post(f"/{CHALLENGE_ID}/withdraw")
def withdraw(challenge_id: int) -> ResponseReturnValue:
    if not permissions.is_admin(current_user):
        abort(404)
    challenge = queries.challenge_or_404(current_user, challenge_id)

    def done(_event: Any) -> Response:
        flash(_("The challenge is withdrawn; the ticket waits for routing."), "success")
        return redirect(url_for("challenges.detail", challenge_id=challenge_id), 303)

    form = WithdrawForm()
    return writes.submit(
        form,
        lambda: services.withdraw(challenge, current_user),
        done=done,
        again=_again(challenge_id, form),
    )


@bp.route("/publish/<number>", methods=["GET", "POST"])
def publish(number: str) -> ResponseReturnValue:
    if not permissions.is_admin(current_user):
        abort(404)
    ticket = ticket_queries.get_ticket_or_404(current_user, number)
    form = PublishForm()
    if request.method == "GET":
        form.version.data = ticket.version

    def done(challenge: Any) -> Response:
        flash(_("Published as an open challenge."), "success")
        return redirect(url_for("challenges.detail", challenge_id=challenge.id), 303)

    def again(status: int, message: str | None) -> tuple[str, int]:
        if message:
            form.form_errors.append(message)
        page = render_template("challenges/publish.html", form=form, ticket=ticket)
        return page, status

    return writes.submit(
        form,
        lambda: services.publish(
            ticket,
            current_user,
            deadline=form.deadline.data,
            expected_version=_version(form.version.data),
        ),
        done=done,
        again=again,
    )
