"""ICD-10-CM lookup while typing: billable codes by code prefix or by words.

A plain scan over the code set that intake.validators checks against (simple-icd-10-cm),
built once per process. A faster index may replace this module; callers depend only on
`search_icd10(query, limit) -> [(code, description), ...]`.
"""

import re
from functools import cache

import simple_icd_10_cm as icd

# A token that starts like a code (a letter, then a digit: F3, F33, F33.2, f332).
_CODE_TOKEN = re.compile(r"^[A-Z][0-9][0-9A-Z]*$")
_MAX_TOKENS = 8


@cache
def _billable() -> tuple[tuple[str, str, str, str], ...]:
    """(code, code without its dot, description, description in lower case) for every
    billable code (a leaf of the code set), in code order."""
    rows = []
    for code in icd.get_all_codes(True):
        if icd.is_category_or_subcategory(code) and icd.is_leaf(code):
            description = icd.get_description(code)
            rows.append((code, code.replace(".", ""), description, description.lower()))
    return tuple(rows)


def _tokens(query: str) -> tuple[list[str], list[str]]:
    """The query's code prefixes (dots dropped, upper case) and its words (lower case)."""
    codes, words = [], []
    for token in re.findall(r"[0-9A-Za-z.]+", query)[:_MAX_TOKENS]:
        compact = token.replace(".", "").upper()
        if _CODE_TOKEN.match(compact):
            codes.append(compact)
        elif token.strip("."):
            words.append(token.strip(".").lower())
    return codes, words


def search_icd10(query: str, limit: int = 20) -> list[tuple[str, str]]:
    """Billable ICD-10-CM codes matching `query`, at most `limit`.

    "F33" or "f33.1" matches codes starting so, in code order; words match descriptions
    where every word begins a word ("depress recur" finds F33.x), shortest first (the
    general codes before the specific ones); both together narrow each other.
    """
    codes, words = _tokens(query or "")
    if limit <= 0 or not (codes or words):
        return []
    rows = _billable()
    for prefix in codes:
        rows = [row for row in rows if row[1].startswith(prefix)]
    for word in words:
        # A substring test first (fast), then the word-start rule on what is left.
        pattern = re.compile(rf"\b{re.escape(word)}")
        rows = [row for row in rows if word in row[3] and pattern.search(row[3])]
    found = [(code, description) for code, _, description, _ in rows]
    if words:
        found.sort(key=lambda row: (len(row[1]), row[0]))
    return found[:limit]
