"""Read a demo world file (TOML, see docs/demo.md) and check it whole before anything is written.

A world names its zone, universities, people, enterprises with their problems, and how many
tickets end in each state. The tables that describe how tickets move rather than who is in
the world (SHARED) may be left out: they then come from the built-in Changzhi world.
Every problem found is reported at once, each with where it is in the file.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ticketing.demo import cooperations, fairs, results
from ticketing.orgs import credit_code
from ticketing.tickets.models import Category, Priority
from ticketing.workflow import (
    BY_ACTION,
    TERMINAL,
    TRANSITIONS,
    WITH_EXPERT,
    WITH_UNIVERSITY,
    CooperationForm,
    State,
)

DEFAULT_WORLD = Path(__file__).with_name("changzhi.toml")
REQUIRED = (
    "zone",
    "admin",
    "universities",
    "experts",
    "commissioners",
    "industries",
    "enterprises",
    "tickets",
    "showcase",
)
LISTS = ("universities", "experts", "commissioners", "enterprises", "detours")  # [[name]]
OPTIONAL = (*fairs.OPTIONAL, *results.OPTIONAL)  # checked and built by those modules
SHARED = ("demo", "story", "timing", "detours", "outcomes", "texts", "comments", "visits", "names")
AUTHORS = {  # who writes a kind of comment → the states in which they may
    "expert": WITH_EXPERT - TERMINAL,
    "liaison": WITH_UNIVERSITY - TERMINAL,
    "commissioner": frozenset(State) - TERMINAL - {State.DRAFT},
    "admin": frozenset(State) - TERMINAL - {State.DRAFT},
}
LOGIN = re.compile(r"\S{1,60}")
# what a problem may fix about its ticket (a second cooperation: demo/cooperations.py)
PINS = ("state", "university", "expert", "second_cooperation")
MAX_PROBLEMS_SHOWN = 40
TITLE_REPEATS = 3

World = dict[str, Any]


class WorldError(ValueError):
    """A world file that cannot be loaded; the message says everything that is wrong."""


def read_world(path: Path | str | None = None) -> World:
    """The world in `path` (default: the built-in one), checked; raise WorldError if not valid."""
    path = Path(path) if path else DEFAULT_WORLD
    data = _parse(path)
    if path.resolve() != DEFAULT_WORLD.resolve():
        default = _default()
        for key in SHARED:
            data.setdefault(key, default[key])
    problems = check(data)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"… and {len(problems) - len(shown)} more")
        lines = "\n".join(f"  - {problem}" for problem in shown)
        raise WorldError(f"{path} is not a valid demo world:\n{lines}")
    return data


def _parse(path: Path) -> World:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise WorldError(f"{path}: cannot read the file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise WorldError(f"{path}: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise WorldError(f"{path}: not valid TOML: {error}") from None


@functools.cache
def _default() -> World:
    return _parse(DEFAULT_WORLD)


def check(data: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a world, as messages naming the place in the file."""
    c = _Checker()
    for key in REQUIRED + SHARED:
        if key not in data:
            c.say(f"missing table [{key}]")
    for key in sorted(set(data) - set(REQUIRED + SHARED + OPTIONAL)):
        c.say(f"unknown table [{key}]")
    if not c.problems:
        c.world(data)
    if not c.problems:  # the parts other modules build: results.py, fairs.py, cooperations.py
        results.check(data, c.say)
        fairs.check(data, c.say)
        cooperations.check(data, c.say)
    return c.problems


def placeholders(text: str) -> set[str]:
    """The {names} a text template uses."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"{"}


def _limit(action: str, field: str) -> int:
    return next(f.max_length for f in BY_ACTION[action].fields if f.name == field)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Checker:
    """Collects problems; each method checks one part of the world."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.owner: dict[str, str] = {}  # login → where in the file it was given first

    def say(self, problem: str) -> None:
        self.problems.append(problem)

    # -- small checks --------------------------------------------------------------------

    def table(
        self, where: str, value: Any, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.say(f"{where}: expected a table")
            return {}
        for key in required:
            if key not in value:
                self.say(f"{where}: missing key '{key}'")
        known = {*required, *optional}
        for key in sorted(set(value) - known) if known else ():  # no keys named: any key
            self.say(f"{where}: unknown key '{key}'")
        return value

    def tables(self, where: str, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.say(f"{where}: expected one or more tables ([[{where}]])")
            return []
        return value

    def text(self, where: str, value: Any, limit: int = 200, allowed: Iterable[str] = ()) -> None:
        if not isinstance(value, str) or not value.strip():
            self.say(f"{where}: expected text")
        elif len(value) > limit:
            self.say(f"{where}: longer than {limit} characters")
        elif unknown := placeholders(value) - set(allowed):
            self.say(f"{where}: unknown placeholder(s) {sorted(unknown)}; use {sorted(allowed)}")

    def texts(self, where: str, value: Any, limit: int = 2000, allowed: Iterable[str] = ()) -> None:
        if not isinstance(value, list) or not value:
            self.say(f"{where}: expected a list of texts")
            return
        for i, item in enumerate(value):
            self.text(f"{where}[{i}]", item, limit, allowed)

    def count(self, where: str, value: Any, low: int = 0, high: int = 10**6) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.say(f"{where}: expected a whole number from {low} to {high}")

    def chance(self, where: str, value: Any) -> None:
        if not _is_number(value) or not 0 <= value <= 1:
            self.say(f"{where}: expected a number from 0 to 1")

    def span(self, where: str, value: Any) -> None:
        ok = isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))
        if not ok or not 0 <= value[0] <= value[1]:
            self.say(f"{where}: expected [low, high] with 0 ≤ low ≤ high")

    def key(self, where: str, value: Any, known: Iterable[str], what: str) -> None:
        choices = sorted(map(str, known))
        if not isinstance(value, str) or value not in choices:
            hint = f" (one of: {', '.join(choices)})" if len(choices) <= 12 else ""
            self.say(f"{where}: unknown {what} '{value}'{hint}")

    def person(self, where: str, value: Any, optional: Iterable[str] = ()) -> dict[str, Any]:
        person = self.table(where, value, ("login", "name"), optional)
        if "login" in person and not (
            isinstance(person["login"], str) and LOGIN.fullmatch(person["login"])
        ):
            self.say(f"{where}.login: expected a login without spaces, up to 60 characters")
        if "name" in person:
            self.text(f"{where}.name", person["name"], 60)
        return person

    # -- the parts of a world ------------------------------------------------------------

    def world(self, w: Mapping[str, Any]) -> None:
        for key in REQUIRED + SHARED:
            if key in LISTS:
                self.tables(key, w[key])
            elif not isinstance(w[key], dict):
                self.say(f"{key}: expected a table ([{key}])")
        if self.problems:
            return
        self.zone(w["zone"])
        self.universities(w["universities"])
        self.people(w)
        self.industries(w)
        self.enterprises(w)
        self.tickets(w)
        if not self.problems:  # what follows looks things up in the parts checked above
            self.showcase(w)
            self.story(w)
            self.detours(w)
            self.outcomes(w["outcomes"])
            self.phrases(w)

    def zone(self, value: Any) -> None:
        zone = self.table(
            "zone",
            value,
            ("code", "name", "city", "phone_area", "agreement_prefix", "parks", "counties"),
            ("roads",),
        )
        if "code" in zone and not re.fullmatch(r"[A-Z]{1,8}", str(zone["code"])):
            self.say("zone.code: expected 1 to 8 capital letters (the ticket number prefix)")
        for key, limit in (
            ("name", 120),
            ("city", 60),
            ("phone_area", 8),
            ("agreement_prefix", 40),
        ):
            if key in zone:
                self.text(f"zone.{key}", zone[key], limit)
        for key in ("parks", "roads"):
            if key in zone:
                self.texts(f"zone.{key}", zone[key], 120)
        if _listed(zone, "parks"):
            self.unique("zone.parks: park", Counter(map(str, zone["parks"])))
        counties = self.table("zone.counties", zone.get("counties", {}), ())
        for name, division in counties.items():
            if not (isinstance(division, str) and re.fullmatch(r"\d{6}", division)):
                self.say(
                    f"zone.counties.{name}: expected the 6-digit administrative division code "
                    "(characters 3–8 of a credit code)"
                )

    def universities(self, value: Any) -> None:
        keys: Counter[str] = Counter()
        names: Counter[str] = Counter()
        for i, u in enumerate(value):
            where = f"universities[{i}]"
            self.table(where, u, ("key", "name", "liaison"), ("short_name",))
            self.text(f"{where}.key", u.get("key"), 40)
            self.text(f"{where}.name", u.get("name"), 200)
            if "short_name" in u:
                self.text(f"{where}.short_name", u["short_name"], 60)
            self.person(f"{where}.liaison", u.get("liaison"))
            keys[str(u.get("key"))] += 1
            names[str(u.get("name"))] += 1
        self.unique("universities: key", keys)
        self.unique("universities: name", names)

    def unique(self, what: str, counts: Counter[str]) -> None:
        for name, n in counts.items():
            if n > 1:
                self.say(f"{what} '{name}' is used {n} times")

    def people(self, w: Mapping[str, Any]) -> None:
        """Logins are unique, except that a liaison may also be one of the university's experts."""
        self.person("admin", w["admin"])
        self.claim("admin", w["admin"].get("login"), "admin")
        for u in w["universities"]:
            if isinstance(u.get("liaison"), dict):
                where = f"universities.{u.get('key')}.liaison"
                self.claim(where, u["liaison"].get("login"), f"liaison of {u.get('key')}")
        liaisons = {u["liaison"].get("login"): u for u in w["universities"] if _has_person(u)}
        per_university: Counter[str] = Counter()
        for i, e in enumerate(w["experts"]):
            where = f"experts[{i}] ({e.get('name')})"
            self.person(where, e, ("university", "title", "expertise", "capacity", "industries"))
            self.key(f"{where}.university", e.get("university"), _keys(w), "university key")
            for key, limit in (("title", 60), ("expertise", 2000)):
                if key in e:
                    self.text(f"{where}.{key}", e[key], limit)
            self.count(f"{where}.capacity", e.get("capacity", 5), 0, 100)
            industries = e.get("industries", ["*"])
            for industry in industries if isinstance(industries, list) else [industries]:
                self.key(f"{where}.industries", industry, [*w["industries"], "*"], "industry")
            per_university[str(e.get("university"))] += 1
            login, uni = e.get("login"), e.get("university")
            if self.owner.get(login) == f"liaison of {uni}":  # the liaison is an expert too
                self.owner.pop(login)
                if liaisons[login]["liaison"].get("name") != e.get("name"):
                    self.say(f"{where}: the liaison '{login}' has another name there")
            self.claim(where, login, f"experts[{i}]")
        for key in sorted(_keys(w), key=str):
            if per_university[str(key)] < 2:
                self.say(f"universities.{key}: needs at least two experts (to decline, reassign)")
        for i, person in enumerate(w["commissioners"]):
            self.person(f"commissioners[{i}]", person)
            self.claim(f"commissioners[{i}]", person.get("login"), f"commissioners[{i}]")

    def claim(self, where: str, login: Any, owner: str) -> None:
        if not isinstance(login, str):
            return
        if self.owner.setdefault(login, owner) != owner:
            self.say(f"{where}: login '{login}' is taken by {self.owner[login]}")

    def industries(self, w: Mapping[str, Any]) -> None:
        for key, value in w["industries"].items():
            industry = self.table(f"industries.{key}", value, ("name",), ("partners",))
            self.text(f"industries.{key}.name", industry.get("name"), 120)
            partners = self.table(f"industries.{key}.partners", industry.get("partners", {}), ())
            for uni, weight in partners.items():
                self.key(f"industries.{key}.partners", uni, _keys(w), "university key")
                self.count(f"industries.{key}.partners.{uni}", weight, 1)

    def enterprises(self, w: Mapping[str, Any]) -> None:
        zone = w["zone"]
        counties = zone["counties"] if isinstance(zone.get("counties"), dict) else {}
        names: Counter[str] = Counter()
        codes: Counter[str] = Counter()
        titles: Counter[str] = Counter()
        commissioners = {c.get("login") for c in w["commissioners"]}
        for i, e in enumerate(w["enterprises"]):
            where = f"enterprises[{i}] ({e.get('name')})"
            self.table(
                where,
                e,
                ("name", "industry", "product", "park", "county", "commissioner", "problems"),
                ("partner", "credit_code", "contact_name", "contact_phone", "address", "key"),
            )
            self.text(f"{where}.name", e.get("name"), 200)
            self.text(f"{where}.product", e.get("product"), 100)
            self.key(f"{where}.industry", e.get("industry"), w["industries"], "industry")
            self.key(f"{where}.park", e.get("park"), zone.get("parks", ()), "park")
            self.key(f"{where}.county", e.get("county"), counties, "county")
            self.key(f"{where}.commissioner", e.get("commissioner"), commissioners, "commissioner")
            if "partner" in e:
                self.key(f"{where}.partner", e["partner"], _keys(w), "university key")
            for key, limit in (("contact_name", 60), ("contact_phone", 40), ("address", 500)):
                if key in e:
                    self.text(f"{where}.{key}", e[key], limit)
            if "credit_code" in e:
                self.credit_code(where, e, counties)
                codes[credit_code.normalize(str(e["credit_code"]))] += 1
            for j, problem in enumerate(self.tables(f"{where}.problems", e.get("problems"))):
                self.problem(f"{where}.problems[{j}]", problem, w)
                titles[str(problem.get("title"))] += 1
            names[str(e.get("name"))] += 1
        self.unique("enterprises: name", names)
        self.unique("enterprises: credit_code", codes)
        for title, n in titles.items():
            if n > TITLE_REPEATS:
                self.say(f"problem title '{title}' is used {n} times (at most {TITLE_REPEATS})")

    def credit_code(self, where: str, e: Mapping[str, Any], counties: Mapping[str, str]) -> None:
        code = credit_code.normalize(str(e["credit_code"]))
        division = counties.get(e.get("county"))
        if not credit_code.is_valid(code):
            self.say(f"{where}.credit_code: '{code}' is not a valid unified social credit code")
        elif division and code[2:8] != division:
            self.say(
                f"{where}.credit_code: characters 3–8 '{code[2:8]}' are not the division code "
                f"'{division}' of county {e.get('county')}"
            )

    def problem(self, where: str, p: Any, w: Mapping[str, Any]) -> None:
        self.table(where, p, ("category", "title", "description", "resolution"), PINS)
        staffed = {"university", "expert"} & set(p)
        if "state" in p:
            self.key(f"{where}.state", p["state"], set(State), "state")
            if staffed and p["state"] not in WITH_UNIVERSITY | {State.CLOSED}:
                self.say(f"{where}: a ticket that ends '{p['state']}' has no university or expert")
        elif staffed:
            self.say(f"{where}: give the 'state' the pinned ticket ends in")
        if "expert" in p:
            experts = {e.get("login"): e.get("university") for e in w["experts"]}
            self.key(f"{where}.expert", p["expert"], experts, "expert login")
            if p.get("state") not in WITH_EXPERT | {State.CLOSED}:
                self.say(f"{where}: a ticket that ends '{p.get('state')}' has no expert")
            if p.get("university", experts.get(p["expert"])) != experts.get(p["expert"]):
                self.say(
                    f"{where}: expert '{p['expert']}' is not of university '{p['university']}'"
                )
        if "university" in p:
            self.key(f"{where}.university", p["university"], _keys(w), "university key")
        self.key(f"{where}.category", p.get("category"), set(Category), "category")
        self.text(f"{where}.title", p.get("title"), 200)
        if isinstance(p.get("title"), str) and "\n" in p["title"]:
            self.say(f"{where}.title: expected one line")
        self.text(f"{where}.description", p.get("description"), 10_000)
        self.text(f"{where}.resolution", p.get("resolution"), _limit("resolve", "resolution"))

    def tickets(self, w: Mapping[str, Any]) -> None:
        t = self.table("tickets", w["tickets"], ("states",), ("ends_from",))
        states = self.table("tickets.states", t.get("states", {}), ())
        for state, n in states.items():
            self.key("tickets.states", state, set(State), "state")
            self.count(f"tickets.states.{state}", n)
        total = sum(n for n in states.values() if isinstance(n, int))
        problems = sum(len(e["problems"]) for e in w["enterprises"] if _listed(e, "problems"))
        if total != problems:
            self.say(
                f"tickets.states: adds up to {total}, but the enterprises have {problems} "
                "problems (one ticket each)"
            )
        pinned = Counter(
            str(p.get("state"))
            for e in w["enterprises"]
            for p in e.get("problems") or ()
            if isinstance(p, dict) and "state" in p
        )
        for state, n in pinned.items():
            if state in set(State) and n > states.get(state, 0):
                self.say(
                    f"{n} problems are pinned to end '{state}', more than tickets.states.{state}"
                )
        for state, sources in self.table("tickets.ends_from", t.get("ends_from", {}), ()).items():
            where = f"tickets.ends_from.{state}"
            self.key(where, state, TERMINAL, "final state")
            sources = self.table(where, sources, ())
            for source, n in sources.items():
                if final_action(source, state) is None:
                    self.say(f"{where}: no action leads from '{source}' to '{state}'")
                self.count(f"{where}.{source}", n)
            given = sum(n for n in sources.values() if isinstance(n, int))
            if given != states.get(state, 0):
                self.say(f"{where}: adds up to {given}, not tickets.states.{state}")

    def showcase(self, w: Mapping[str, Any]) -> None:
        show = self.table(
            "showcase", w["showcase"], ("commissioner", "university", "expert"), ("expert_reserve",)
        )
        logins = {c["login"] for c in w["commissioners"]}
        self.key("showcase.commissioner", show.get("commissioner"), logins, "commissioner")
        self.key("showcase.university", show.get("university"), _keys(w), "university key")
        experts = {e["login"] for e in w["experts"] if e["university"] == show.get("university")}
        self.key("showcase.expert", show.get("expert"), experts, "expert of showcase.university")
        self.count("showcase.expert_reserve", show.get("expert_reserve", 0), 0, 100)

    def story(self, w: Mapping[str, Any]) -> None:
        story = self.table(
            "story",
            w["story"],
            ("priorities", "confidential", "filed_by_admin", "admin_stands_in", "satisfaction"),
        )
        for key in ("confidential", "filed_by_admin", "admin_stands_in"):
            self.chance(f"story.{key}", story.get(key))
        for priority, weight in self.table("story.priorities", story.get("priorities"), ()).items():
            self.key("story.priorities", priority, set(Priority), "priority")
            self.count(f"story.priorities.{priority}", weight, 1)
        scores = story.get("satisfaction")
        for score in scores if isinstance(scores, list) and scores else [None]:
            self.count("story.satisfaction", score, 0, 5)
        timing = self.table(
            "timing",
            w["timing"],
            (
                "hours",
                "wait_days",
                "resolve_share",
                "in_progress_share",
                "late_chance",
                "late_factor",
            ),
        )
        hours = self.table("timing.hours", timing.get("hours", {}), ())
        steps = [t.action for t in TRANSITIONS if t.action != "resolve" and not t.beside]
        for step in [*steps, "comment", "visit"]:
            self.span(f"timing.hours.{step}", hours.get(step))
        waits = self.table("timing.wait_days", timing.get("wait_days", {}), ())
        for state in sorted(frozenset(State) - TERMINAL - {State.IN_PROGRESS}):
            self.span(f"timing.wait_days.{state}", waits.get(state))
        for key in ("resolve_share", "in_progress_share"):
            self.span(f"timing.{key}", timing.get(key))
        self.chance("timing.late_chance", timing.get("late_chance"))
        if not _is_number(timing.get("late_factor")) or timing["late_factor"] < 1:
            self.say("timing.late_factor: expected a number of at least 1")

    def detours(self, w: Mapping[str, Any]) -> None:
        """Each detour leaves a state and comes back to it, by steps the table allows."""
        comments = w["comments"] if isinstance(w["comments"], dict) else {}
        for i, d in enumerate(self.tables("detours", w["detours"])):
            where = f"detours[{i}]"
            self.table(where, d, ("state", "steps", "chance"), ("when",))
            self.chance(f"{where}.chance", d.get("chance"))
            self.key(f"{where}.when", d.get("when", "any"), ("any", "ends", "passes"), "when")
            if d.get("state") not in set(State) - TERMINAL:
                self.say(f"{where}.state: expected a state a ticket can leave")
                continue
            state = State(d["state"])
            for step in d["steps"] if _listed(d, "steps") else [None]:
                state = self.step(f"{where}.steps", step, state, comments)
                if state is None:
                    break
            else:
                if state != d["state"]:
                    self.say(f"{where}: ends in '{state}', not back in '{d['state']}'")

    def step(self, where: str, step: Any, state: State, comments: Mapping) -> State | None:  # type: ignore[type-arg]
        if step in BY_ACTION:
            if state in BY_ACTION[step].sources:
                return BY_ACTION[step].target
            self.say(f"{where}: '{step}' is not possible in state '{state}'")
        elif step == "visit" or step in comments:
            spec = {"author": "expert"} if step == "visit" else comments[step]
            author = spec.get("author") if isinstance(spec, dict) else None
            allowed = {State.IN_PROGRESS} if step == "visit" else AUTHORS.get(author, ())
            if state in allowed:
                return state
            self.say(f"{where}: the {author} cannot write '{step}' in state '{state}'")
        else:
            self.say(f"{where}: unknown step '{step}' (an action, a comment kind or 'visit')")
        return None

    def outcomes(self, value: Any) -> None:
        o = self.table(
            "outcomes", value, ("forms", "amounts", "benefit_factor", "landings", "titles")
        )
        forms = self.table("outcomes.forms", o.get("forms", {}), sorted(Category))
        for category, names in forms.items():
            for form in names if isinstance(names, list) and names else [None]:
                self.key(f"outcomes.forms.{category}", form, set(CooperationForm), "form")
        amounts = self.table("outcomes.amounts", o.get("amounts", {}), sorted(CooperationForm))
        for form, span in amounts.items():
            self.span(f"outcomes.amounts.{form}", span)
        self.span("outcomes.benefit_factor", o.get("benefit_factor"))
        titles = self.table("outcomes.titles", o.get("titles", {}), sorted(CooperationForm))
        for form, title in titles.items():
            self.text(f"outcomes.titles.{form}", title, 150, ["product"])
        landings = self.table("outcomes.landings", o.get("landings", {}), sorted(Category))
        for category, texts in landings.items():
            self.texts(
                f"outcomes.landings.{category}", texts, 10_000, ["product", "n", "m", "x", "y"]
            )

    def phrases(self, w: Mapping[str, Any]) -> None:
        """Reasons for each action that asks for one (texts.<action>), and the other texts."""
        reasons = [t.action for t in TRANSITIONS if "reason" in t.requires and t.action != "reopen"]
        texts = self.table("texts", w["texts"], (*reasons, "reopen", "first_resolution"))
        for key in reasons:
            allowed = ("university",) if key == "transfer" else ()
            self.texts(f"texts.{key}", texts.get(key), _limit(key, "reason"), allowed)
        reopen = self.table("texts.reopen", texts.get("reopen", {}), ("technical", "other", "done"))
        for key in ("technical", "other"):
            self.texts(f"texts.reopen.{key}", reopen.get(key), _limit("reopen", "reason"))
        self.text("texts.reopen.done", reopen.get("done"), 2000)
        self.text("texts.first_resolution", texts.get("first_resolution"), 20)
        for kind, spec in self.table("comments", w["comments"], ()).items():
            where = f"comments.{kind}"
            self.table(where, spec, ("author", "texts"), ("internal", "technical"))
            self.key(f"{where}.author", spec.get("author"), AUTHORS, "author")
            for key in ("texts", "technical"):
                if key in spec:
                    self.texts(f"{where}.{key}", spec[key], 10_000, ("product", "enterprise"))
        visits = self.table("visits", w["visits"], ("place", "participants", "findings", "agreed"))
        for key, value in visits.items():
            limit = 200 if key == "place" else 2000
            self.texts(
                f"visits.{key}", value, limit, ("product", "enterprise", "expert", "contact")
            )
        names = self.table("names", w["names"], ("surnames", "given"))
        self.text("names.surnames", names.get("surnames"), 1000)
        self.texts("names.given", names.get("given"), 4)
        demo = self.table("demo", w["demo"], ("seed", "days_back"))
        self.count("demo.seed", demo.get("seed"))
        self.count("demo.days_back", demo.get("days_back"), 30, 3650)


def _keys(w: Mapping[str, Any]) -> set[str]:
    return {u.get("key") for u in w["universities"] if isinstance(u, dict)}


def _has_person(u: Mapping[str, Any]) -> bool:
    return isinstance(u.get("liaison"), dict)


def _listed(table: Mapping[str, Any], key: str) -> bool:
    return isinstance(table.get(key), list) and bool(table[key])


def final_action(source: str, target: str) -> str | None:
    """The action that leads from `source` to `target` (first in table order), if any."""
    return next(
        (
            t.action
            for t in TRANSITIONS
            if source in t.sources and t.target == target and not t.beside
        ),
        None,
    )
