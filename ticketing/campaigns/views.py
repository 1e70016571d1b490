"""Campaign pages (专项行动) and universities' agreements with counties and parks (校地合作).

Admins list, create and change campaigns and agreements; a campaign's page (its results and
coverage) is also open to the liaisons of the universities taking part.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ticketing import writes
from ticketing.campaigns import queries, results, services
from ticketing.campaigns.forms import CampaignForm, RegionAgreementForm
from ticketing.campaigns.models import Campaign
from ticketing.orgs import agreements
from ticketing.orgs.models import County, Park, RegionAgreement
from ticketing.orgs.queries import get_or_404
from ticketing.web import admin_required

bp = Blueprint("campaigns", __name__)


@bp.get("/campaigns")
@admin_required
def index() -> str:
    return render_template("campaigns/list.html", campaigns=queries.campaigns())


@bp.get("/campaigns/<int(max=2147483647):campaign_id>")
@login_required
def page(campaign_id: int) -> str:
    """The campaign's results in the report's words, and its coverage (prints on A4)."""
    return render_template(
        "campaigns/page.html", page=results.campaign_page(current_user, campaign_id)
    )


def _campaign_choices(form: CampaignForm, campaign: Campaign | None) -> None:
    had = campaign or Campaign()
    form.university_ids.choices = [
        (uid, name) for uid, name in queries.university_choices([u.id for u in had.universities])
    ]
    form.expert_ids.choices = [
        (eid, f"{name}（{university}）") for eid, name, _uid, university in queries.expert_choices()
    ]
    form.county_ids.choices = [
        (cid, name) for cid, name in queries.place_choices(County, [c.id for c in had.counties])
    ]
    form.park_ids.choices = [
        (pid, name) for pid, name in queries.place_choices(Park, [p.id for p in had.parks])
    ]
    if request.method == "GET" and campaign is not None:
        form.university_ids.data = [u.id for u in campaign.universities]
        form.expert_ids.data = [e.id for e in campaign.experts]
        form.county_ids.data = [c.id for c in campaign.counties]
        form.park_ids.data = [p.id for p in campaign.parks]


@bp.route("/campaigns/new", methods=["GET", "POST"], defaults={"campaign_id": None})
@bp.route("/campaigns/<int(max=2147483647):campaign_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(campaign_id: int | None) -> ResponseReturnValue:
    campaign = get_or_404(Campaign, campaign_id)
    form = CampaignForm(obj=campaign) if request.method == "GET" else CampaignForm()
    _campaign_choices(form, campaign)
    title = campaign.name if campaign else _("New campaign")
    back = url_for("campaigns.page", campaign_id=campaign.id) if campaign else url_for(".index")

    def saved(row: Campaign) -> Response:
        flash(_("Saved %(name)s.", name=row.name), "success")
        return redirect(url_for("campaigns.page", campaign_id=row.id))

    return writes.submit(
        form,
        lambda: services.save_campaign(campaign, current_user, **_data(form)),
        done=saved,
        again=lambda status, _message: (
            render_template("admin/form.html", form=form, title=title, back=back),
            status,
        ),
    )


def _data(form: Any) -> dict[str, Any]:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


@bp.get("/region-agreements")
@admin_required
def region_agreements() -> str:
    return render_template("campaigns/agreements.html", agreements=agreements.region_agreements())


@bp.route("/region-agreements/new", methods=["GET", "POST"], defaults={"agreement_id": None})
@bp.route("/region-agreements/<int(max=2147483647):agreement_id>", methods=["GET", "POST"])
@admin_required
def edit_region_agreement(agreement_id: int | None) -> ResponseReturnValue:
    agreement = get_or_404(RegionAgreement, agreement_id)
    form = RegionAgreementForm(obj=agreement) if request.method == "GET" else RegionAgreementForm()
    had = agreement or RegionAgreement()
    none = [(0, "—")]
    form.university_id.choices = [(0, _("Choose…"))] + [
        (uid, name) for uid, name in queries.university_choices([had.university_id or 0])
    ]
    form.county_id.choices = none + [
        (cid, name) for cid, name in queries.place_choices(County, [had.county_id or 0])
    ]
    form.park_id.choices = none + [
        (pid, name) for pid, name in queries.place_choices(Park, [had.park_id or 0])
    ]
    if request.method == "GET" and agreement is not None:
        form.county_id.data = agreement.county_id or 0
        form.park_id.data = agreement.park_id or 0
    title = agreement.title if agreement else _("New agreement with a county or park")
    back = url_for(".region_agreements")

    def saved(row: RegionAgreement) -> Response:
        flash(_("Saved %(name)s.", name=row.title), "success")
        return redirect(back)

    return writes.submit(
        form,
        lambda: agreements.save_region_agreement(agreement, current_user, **_data(form)),
        done=saved,
        again=lambda status, _message: (
            render_template("admin/form.html", form=form, title=title, back=back),
            status,
        ),
    )
