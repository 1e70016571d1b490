"""The terms of a text for routing suggestions: Chinese-aware, through jieba.

jieba cuts in search mode, so a compound gives its parts as well (数控机床 → 数控, 机床,
数控机床) and a ticket about 数控机床 meets an expert in 数控加工. Punctuation, single Chinese
characters, bare numbers and the stop words below (words every problem uses: 问题, 希望, 企业 …)
are dropped; Latin words are lower-cased (CNC, PLC, 5G count).

jieba's dictionary takes about half a second to load. The tokenizer is built once per
process, behind a lock, never at import: create_app() starts loading it in a background
thread (warm_up; not under tests), and the first use waits for it if it is not done.
Fields of expertise are short and few, and are cut again for every suggestion: their terms
are kept in a small cache per process.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from functools import lru_cache

import jieba

MAX_TERM = 40  # the expert_term column's length
TICKET_TERMS = 40  # the terms of a ticket a suggestion looks up (the most weighted)
TITLE_WEIGHT = 2.0  # a term of the title counts twice one of the description

_STOP_WORDS = """
    问题 希望 需要 企业 我们 公司 进行 相关 技术 出现 目前 已经 一些 没有 可以 能够 通过 以及
    帮助 分析 原因 给出 方案 改进 提供 支持 开展 联合 高校 专家 情况 存在 方面 部分 效果 有限
    明显 时候 之后 以后 发现 由于 导致 影响 造成 要求 提升 提高 解决 处理方法 实现 工作 生产
    这个 那个 什么 如何 怎么 或者 而且 但是 因为 所以 如果 还是 就是 不是 一个 两个 三个 同时
    自行 厂家 服务 仍然 反复 暂时 缓解 内部 人员 尚无 成熟 同类 面临 收集 近三个月 数据显示
    小时 连续 超过 以上 左右 之间 期间 逐渐 更为 突出 更换 批次
    产品 开发 设计 提出 优化 稳定 运行 方法 进一步 建议 完成 建立 采用 使用 较大 较高
    the and for with of to in on a an is are
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_SEPARATORS = re.compile(r"[、，,；;/\s|（）()【】\[\]：:。.]+")
_NUMBER = re.compile(r"^[\d.%℃]+$")
_HAN = re.compile(r"[\u4e00-\u9fff]")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer, its dictionary loaded on the first call."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                built = jieba.Tokenizer()
                built.initialize()
                _tokenizer = built
    return _tokenizer


def warm_up() -> None:
    """Load the tokenizer in the background (a server process calls this at start, so that no
    person's first routing page waits for the dictionary)."""
    if _tokenizer is None:
        threading.Thread(target=tokenizer, name="jieba-warm-up", daemon=True).start()


def _keep(word: str) -> bool:
    if len(word) > MAX_TERM or word in STOP_WORDS or _NUMBER.match(word):
        return False
    if _HAN.search(word):
        return len(word) >= 2
    return len(word) >= 2 and word.isalnum()


def terms(text: str) -> list[str]:
    """The terms of `text` in order, repeats kept."""
    if not text or not text.strip():
        return []
    words = (word.strip().lower() for word in tokenizer().cut_for_search(text))
    return [word for word in words if word and _keep(word)]


def ticket_terms(title: str, description: str) -> dict[str, float]:
    """A ticket's terms with their weight (title terms count double), the TICKET_TERMS most
    weighted."""
    weights: Counter[str] = Counter()
    for term in terms(title or ""):
        weights[term] += TITLE_WEIGHT
    for term in terms(description or ""):
        weights[term] += 1.0
    return dict(sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:TICKET_TERMS])


def document_terms(*texts: str | None) -> set[str]:
    """The distinct terms of a solved ticket's texts (what its expert's profile counts)."""
    found: set[str] = set()
    for text in texts:
        found.update(terms(text or ""))
    return found


@lru_cache(maxsize=4096)
def expertise_tags(expertise: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """An expert's fields of expertise as tags (split at 、，;/ and spaces), each with its
    terms: 数控加工 → (数控加工, {数控, 加工, 数控加工})."""
    tags = []
    for tag in _SEPARATORS.split(expertise or ""):
        tag = tag.strip()
        if len(tag) < 2 or len(tag) > MAX_TERM:
            continue
        parts = frozenset(terms(tag)) or frozenset({tag.lower()})
        tags.append((tag, parts))
    return tuple(tags)
