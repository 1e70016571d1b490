"""How good a new password is: long enough, not the person's login or name, not a common
password, and not easy to guess.

The judge is zxcvbn (Dropbox's estimator, the Python port), which works offline and ships a
list of the 30,000 most common passwords beside English words and names. Passwords and name
parts common in China are added from data/common_zh.txt (pinyin surnames and given names,
"woaini1314", "5201314", keyboard and number patterns), so `zhangwei1988` rates as weak as
`password1`. A password must reach zxcvbn's score 3 ("safely unguessable: moderate protection
from an offline slow-hash scenario", about 10⁸ guesses); our hashes are argon2id.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS
from zxcvbn.matching import add_frequency_lists

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 3
# zxcvbn refuses longer input; what follows the first 72 characters only adds strength
JUDGED_LENGTH = 72


def _chinese_list() -> list[str]:
    path = Path(__file__).resolve().parent / "data" / "common_zh.txt"
    seen: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip().lower()
        if word and not word.startswith("#"):
            seen.setdefault(word, None)
    return list(seen)


CHINESE = _chinese_list()
add_frequency_lists({"common_zh": CHINESE})
COMMON = frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(CHINESE)


def _parts(text: str) -> list[str]:
    """The pieces of a login, name or e-mail a password must not contain: the whole (spaces
    removed) and each word, when long enough to mean something (2 Chinese characters, else 3)."""
    whole = "".join(text.split()).lower()
    pieces = {whole, *text.lower().replace(".", " ").replace("_", " ").replace("-", " ").split()}
    return [p for p in pieces if len(p) >= (2 if any(ord(c) > 0x2E80 for c in p) else 3)]


def problem(
    password: str, *, login: str = "", name: str = "", email: str = ""
) -> LazyString | None:
    """Why this password is refused (a translatable message), or None when it is good."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.lower()
    personal = _parts(login) + _parts(name) + _parts(email.split("@")[0])
    if any(part in lowered for part in personal):
        return _l("Do not use your login or name in the password.")
    if lowered in COMMON:
        return _l("This password is too common. Choose another.")
    judged = zxcvbn(password[:JUDGED_LENGTH], user_inputs=[login, name, email, "ticketing"])
    if judged["score"] < MIN_SCORE:
        return _l(
            "This password is too easy to guess. A few unrelated words or a longer phrase "
            "work better."
        )
    return None
