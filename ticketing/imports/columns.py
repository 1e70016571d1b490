"""The columns of each importable entity: a Chinese header (what templates and exports
write), an English header (accepted too), whether it must have a value, and a note for the
explanation sheet. Values people write as words (yes/no, roles, categories, priorities) are
read here in Chinese or English, or as their codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ticketing.accounts.models import ROLE_LABELS
from ticketing.tickets.models import CATEGORY_LABELS, PRIORITY_LABELS


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    note: Any
    required: bool = False


YES_NO = _l("是 or 否 (yes or no).")
ENTITIES: dict[str, Any] = {
    "enterprises": _l("Enterprises"),
    "universities": _l("Universities"),
    "users": _l("Users"),
    "tickets": _l("Problems"),
}
COLUMNS: dict[str, tuple[Column, ...]] = {
    "enterprises": (
        Column(
            "name", "企业名称", "Name", _l("Full registered name, at most 200 characters."), True
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            "Credit code",
            _l("18 characters, the last one a check character; unique."),
            True,
        ),
        Column("park", "园区", "Park", _l("The name of one of the zone's parks, or empty.")),
        Column("county", "县区", "County", _l("The name of one of the zone's counties, or empty.")),
        Column(
            "partner_university",
            "结对高校",
            "Partner university",
            _l("The full name of a university, or empty."),
        ),
        Column("industry", "行业", "Industry", _l("At most 120 characters.")),
        Column("contact_name", "联系人", "Contact", _l("At most 60 characters.")),
        Column("contact_phone", "联系电话", "Phone", _l("At most 40 characters.")),
        Column("address", "地址", "Address", _l("At most 500 characters.")),
        Column("key_enterprise", "重点企业", "Key enterprise", _l("是 or 否; empty means 否.")),
        Column("active", "启用", "Active", _l("是 or 否; empty means 是.")),
    ),
    "universities": (
        Column("name", "高校名称", "Name", _l("Full name, at most 200 characters; unique."), True),
        Column("short_name", "简称", "Short name", _l("At most 60 characters.")),
        Column("active", "启用", "Active", _l("是 or 否; empty means 是.")),
    ),
    "users": (
        Column("login", "登录名", "Login", _l("No spaces, at most 60 characters; unique."), True),
        Column("name", "姓名", "Name", _l("At most 60 characters."), True),
        Column("email", "邮箱", "Email", _l("Optional.")),
        Column("phone", "电话", "Phone", _l("Optional.")),
        Column(
            "roles",
            "角色",
            "Roles",
            _l("One or more of the roles below, separated by 、 or ;."),
            True,
        ),
        Column(
            "university",
            "所属高校",
            "University",
            _l("The full name of a university: required for liaisons and experts."),
        ),
        Column(
            "enterprises",
            "负责企业信用代码",
            "Enterprise credit codes",
            _l("For commissioners: the credit codes of their enterprises, separated by ;."),
        ),
        Column("title", "职称", "Title", _l("For experts, e.g. 教授.")),
        Column("expertise", "专长", "Expertise", _l("For experts: their fields, in words.")),
        Column(
            "capacity",
            "可承接数",
            "Capacity",
            _l("For experts: how many open tickets at once, 0 to 100; empty means 5."),
        ),
        Column("active", "启用", "Active", _l("是 or 否; empty means 是.")),
    ),
    "tickets": (
        Column(
            "credit_code",
            "企业信用代码",
            "Enterprise credit code",
            _l("The credit code of an enterprise in the system."),
            True,
        ),
        Column("title", "问题标题", "Title", _l("At most 200 characters."), True),
        Column("description", "问题描述", "Description", _l("The problem in words."), True),
        Column("category", "类别", "Category", _l("One of the categories below."), True),
        Column(
            "priority", "优先级", "Priority", _l("One of the priorities below; empty means 普通.")
        ),
        Column(
            "commissioner",
            "特派员登录名",
            "Commissioner login",
            _l("The login of the commissioner who collected it; they look after the enterprise."),
            True,
        ),
        Column("confidential", "保密", "Confidential", _l("是 or 否; empty means 否.")),
        Column(
            "submit",
            "提交",
            "Submit",
            _l(
                "是: filed for routing at once; 否: kept as a draft of the commissioner. "
                "Empty means 是."
            ),
        ),
    ),
}

YES = {"是", "yes", "y", "true", "1", "对"}
NO = {"否", "no", "n", "false", "0", "不"}


def header_key(entity: str, header: str) -> str | None:
    """The column key a header names (its Chinese or English header or its key), or None."""
    wanted = _fold(header)
    for column in COLUMNS[entity]:
        if wanted in (_fold(column.zh), _fold(column.en), _fold(column.key)):
            return column.key
    return None


def column(entity: str, key: str) -> Column:
    return next(c for c in COLUMNS[entity] if c.key == key)


def _fold(text: str) -> str:
    return "".join(str(text).split()).lower()


def choices(labels: Mapping[Any, Any]) -> dict[str, str]:
    """Every way to write one of `labels`' codes: the code, its Chinese and English labels."""
    found: dict[str, str] = {}
    for code, label in labels.items():
        found[_fold(str(code))] = str(code)
        for locale in ("zh", "en"):
            with force_locale(locale):
                found[_fold(str(label))] = str(code)
    return found


def chinese(labels: Mapping[Any, Any], code: str) -> str:
    """The Chinese label of `code` (what exports write)."""
    with force_locale("zh"):
        return str(labels[code])


def code_of(known: dict[str, str], text: str) -> str | None:
    return known.get(_fold(text))


def allowed_values(entity: str) -> list[tuple[str, Iterable[str]]]:
    """The words each coded column accepts, for the explanation sheet."""
    named = {
        "users": [("角色 / Roles", ROLE_LABELS)],
        "tickets": [("类别 / Category", CATEGORY_LABELS), ("优先级 / Priority", PRIORITY_LABELS)],
    }
    rows = []
    for title, labels in named.get(entity, []):
        words = []
        for code, label in labels.items():
            with force_locale("zh"):
                zh = str(label)
            with force_locale("en"):
                en = str(label)
            words.append(f"{zh} / {en} / {code}")
        rows.append((title, words))
    return rows
