"""Routing suggestions (精准对接): universities for a submitted ticket, experts of its
university for a routed one, ranked, each with its reasons in words.

How an expert scores (weights below; no term of the score needs the ticket table):
- text match, of the ticket's terms (routing/terms.py: jieba, title counted double) against
  - the expert's fields of expertise as tags: a tag written in the ticket counts 1, a tag
    whose parts mostly appear (数控加工 for a ticket on 数控机床 … 加工) its share × 0.8;
  - the problems they solved (routing/models.py expert_term): for each ticket term, the
    share of the expert's solved problems that have it, weighted by how rare the term is
    among experts (idf) and averaged over the ticket's terms (0 … 1);
- category history: the problems of the ticket's category they solved, against the most
  any candidate solved;
- load: open tickets against capacity (a full expert loses a further point);
- past speed (days to resolve against the candidates' average) and satisfaction (the close
  ratings), small nudges from the work records (expert_year).

A university's score: its best expert's text match (plus a third of the second best), its
solved problems of the category against the most of any university, and the tickets its
experts work on against their capacity together (both from the dashboard's ticket_tally, so
the open work of the zone's experts is not counted ticket by ticket). The enterprise's
partner university (一企一校) comes first whatever its score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ticketing.routing import queries, terms
from ticketing.routing.queries import Candidate, Record
from ticketing.tickets.models import Ticket

TAG_WEIGHT = 1.0
TAGS_COUNTED = 3.0  # more matching tags than this add nothing
HISTORY_WEIGHT = 3.0
CATEGORY_WEIGHT = 0.5
LOAD_WEIGHT = 1.0
FULL_PENALTY = 1.0
SPEED_WEIGHT = 0.2
SATISFACTION_WEIGHT = 0.2
PARTIAL_TAG = 0.8
HISTORY_SHARE = 0.2  # a past term is named in the reasons from this share of solved problems
SHOWN_TERMS = 3


@dataclass
class Suggestion:
    """One suggested university or expert: its score and the reasons, in words."""

    id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    partner: bool = False
    matched: list[str] = field(default_factory=list)
    reason: str = ""  # the reasons in one line, in the language of the request


@dataclass
class _Fit:
    """How an expert fits the ticket's text."""

    candidate: Any
    tags: float = 0.0
    matched: list[str] = field(default_factory=list)
    history: float = 0.0
    past_terms: list[str] = field(default_factory=list)

    @property
    def text(self) -> float:
        return TAG_WEIGHT * min(self.tags, TAGS_COUNTED) + HISTORY_WEIGHT * self.history


class _Ticket:
    """The ticket's terms and text, and the terms' spread among experts."""

    def __init__(self, ticket: Ticket) -> None:
        self.weights = terms.ticket_terms(ticket.title or "", ticket.description or "")
        self.text = f"{ticket.title or ''} {ticket.description or ''}".lower()
        self.counts = queries.term_counts(self.weights)
        experts = {e for by_expert in self.counts.values() for e in by_expert}
        everyone = max(1, len(experts))
        # a term in the profiles of more than half the experts says little about any of them:
        # it counts in the score (with a low idf) but is not named in the reasons
        few = max(1, everyone // 2)
        self.telling = {term for term, by in self.counts.items() if len(by) <= few}
        self.idf = {
            term: math.log(1 + everyone / max(1, len(self.counts.get(term, {}))))
            for term in self.weights
        }
        self.total = sum(self.weights[t] * self.idf[t] for t in self.weights) or 1.0

    def fit(self, candidate: Any, solved: int) -> _Fit:
        found = _Fit(candidate)
        covered: set[str] = set()
        for tag, parts in terms.expertise_tags(candidate.expertise):
            atoms = parts - {tag.lower()} or parts
            if tag.lower() in self.text:
                share = 1.0
            else:
                share = len(atoms & self.weights.keys()) / len(atoms)
                share = PARTIAL_TAG * share if share >= 0.5 else 0.0
            if share:
                found.tags += share
                found.matched.append(tag)
                covered |= parts | {tag.lower()}
        if solved:
            named = []
            for term, weight in self.weights.items():
                n = self.counts.get(term, {}).get(candidate.id, 0)
                if not n:
                    continue
                share = n / (solved + 3)
                found.history += weight * self.idf[term] * share
                if share >= HISTORY_SHARE and term in self.telling and term not in covered:
                    named.append((-weight * self.idf[term] * share, term))
            found.history /= self.total
            found.past_terms = [term for _score, term in sorted(named)[:SHOWN_TERMS]]
        return found


def _load(open_: int, capacity: int) -> float:
    ratio = min(1.0, open_ / capacity) if capacity > 0 else 1.0
    full = open_ >= capacity
    return LOAD_WEIGHT * ratio + (FULL_PENALTY if full else 0.0)


def _terms(found: Iterable[str]) -> str:
    return _(", ").join(found)


def _text_reasons(fit: _Fit, name: str | None = None) -> list[str]:
    reasons = []
    if fit.matched:
        if name:
            reasons.append(_("Matches: %(terms)s (%(name)s)", terms=_terms(fit.matched), name=name))
        else:
            reasons.append(_("Matches: %(terms)s", terms=_terms(fit.matched)))
    if fit.past_terms:
        reasons.append(_("Solved problems on: %(terms)s", terms=_terms(fit.past_terms)))
    return reasons


def _load_reasons(open_: int, capacity: int) -> list[str]:
    reasons = [_("Load %(open)d/%(capacity)d", open=open_, capacity=capacity)]
    return reasons + [_("Full")] if open_ >= capacity else reasons


def suggest_experts(ticket: Ticket, experts: Sequence[Any] | None = None) -> list[Suggestion]:
    """The experts of the ticket's university, best first. `experts` may give them already
    read (accounts.queries.expert_choices); otherwise they are read here. Only that
    university's experts are ever considered."""
    if ticket.university_id is None:
        return []
    if experts is None:
        experts = queries.candidates(ticket.university_id)
    if not experts:
        return []
    about = _Ticket(ticket)
    records = queries.records((e.id for e in experts), ticket.category)
    most_in_category = max(r.in_category for r in records.values())
    paces = [r.days_to_resolve for r in records.values() if r.days_to_resolve is not None]
    pace = sum(paces) / len(paces) if paces else None
    ranked = []
    for expert in experts:
        record = records[expert.id]
        fit = about.fit(expert, record.solved)
        score = fit.text - _load(expert.open, expert.capacity)
        if most_in_category:
            score += CATEGORY_WEIGHT * record.in_category / most_in_category
        score += _track_score(record, pace)
        reasons = _text_reasons(fit)
        if record.in_category:
            reasons.append(_("%(n)d solved in this category", n=record.in_category))
        reasons += _load_reasons(expert.open, expert.capacity)
        reasons += _track_reasons(record)
        ranked.append(Suggestion(expert.id, expert.name, score, reasons, matched=fit.matched))
    return _ordered(ranked, {e.id: e.open / max(1, e.capacity) for e in experts})


def _track_score(record: Record, pace: float | None) -> float:
    score = 0.0
    days = record.days_to_resolve
    if days is not None and pace:
        score += SPEED_WEIGHT * max(-1.0, min(1.0, (pace - days) / pace))
    if record.satisfaction is not None:
        score += SATISFACTION_WEIGHT * (record.satisfaction - 3) / 2
    return score


def _track_reasons(record: Record) -> list[str]:
    reasons = []
    if record.days_to_resolve is not None:
        reasons.append(_("resolves in %(days).1f days on average", days=record.days_to_resolve))
    if record.satisfaction is not None:
        reasons.append(_("satisfaction %(score).1f/5", score=record.satisfaction))
    return reasons


def suggest_universities(
    ticket: Ticket, universities: Sequence[tuple[int, str]]
) -> list[Suggestion]:
    """The universities (id, name) to route to, best first, the enterprise's partner
    university first of all; the ticket's present university left out."""
    choices = [(uid, name) for uid, name in universities if uid != ticket.university_id]
    if not choices:
        return []
    partner = ticket.enterprise.partner_university_id if ticket.enterprise else None
    about = _Ticket(ticket)
    by_university: dict[int, list[Candidate]] = {uid: [] for uid, _name in choices}
    for candidate in queries.candidates(with_load=False):
        if candidate.university_id in by_university:
            by_university[candidate.university_id].append(candidate)
    everyone = [e for experts in by_university.values() for e in experts]
    records = queries.records((e.id for e in everyone), ticket.category, years=False)
    work = queries.university_work(ticket.category)
    solved = {uid: found[0] for uid, found in work.items()}
    most = max((solved.get(uid, 0) for uid, _name in choices), default=0)
    ranked = []
    for uid, name in choices:
        experts = by_university[uid]
        fits = sorted(
            (about.fit(e, records[e.id].solved) for e in experts),
            key=lambda f: (-f.text, f.candidate.name),
        )
        score = fits[0].text + (fits[1].text / 3 if len(fits) > 1 else 0.0) if fits else 0.0
        if most:
            score += CATEGORY_WEIGHT * solved.get(uid, 0) / most
        open_ = work.get(uid, (0, 0))[1]
        capacity = sum(e.capacity for e in experts)
        score -= _load(open_, capacity)
        reasons = [_("Partner university")] if uid == partner else []
        best = next((f for f in fits if f.matched or f.past_terms), None)
        if best is not None:
            reasons += _text_reasons(best, best.candidate.name)
        if solved.get(uid):
            reasons.append(_("%(n)d solved in this category", n=solved[uid]))
        reasons += _load_reasons(open_, capacity)
        matched = best.matched if best else []
        ranked.append(Suggestion(uid, name, score, reasons, uid == partner, matched))
    return _ordered(ranked, {})


def _ordered(ranked: list[Suggestion], load: dict[int, float]) -> list[Suggestion]:
    for suggestion in ranked:
        suggestion.reason = _("; ").join(suggestion.reasons)
    return sorted(
        ranked,
        key=lambda s: (not s.partner, -round(s.score, 6), load.get(s.id, 0.0), s.name, s.id),
    )
