"""统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters, last is a check."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    return "".join((code or "").split()).upper()


def is_valid(code: str) -> bool:
    code = normalize(code)
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    return check_character(code[:17]) == code[17]


def complete(first17: str) -> str:
    """Append the check character (used by the demo data and tests)."""
    return first17 + check_character(first17)
