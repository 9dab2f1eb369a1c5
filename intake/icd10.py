"""The ICD-10-CM code set, read on first use from a compact index committed beside this module.

Importing simple-icd-10-cm parses the CDC tabular XML into ~98,000 objects and costs every
process 2-3 s at start-up (docs/performance.md). The app only needs, per code: does it
exist, is it billable, its description, and for a category the example a front-desk
message suggests. `python -m intake.icd10_build` writes exactly that, from the installed
simple-icd-10-cm, to intake/data/icd10cm.tsv.gz; this module reads it once per process, on the
first validation or search, never at import time.

The index's header names the code-set fiscal year and the source it was built from;
tests/test_icd10_index.py fails when the file no longer matches the installed package.
"""

import bisect
import gzip
import heapq
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "icd10cm.tsv.gz"

# A billable code has the shape validate_icd10_billable accepts (kept in step with
# validators.ICD10_SHAPE; not imported from there, so this module stays free of Django).
_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")


@dataclass(frozen=True)
class CodeSet:
    descriptions: dict[str, str]  # every code a typed value can name -> its description
    examples: dict[str, str]  # codes that are not billable -> the first billable code under them
    header: tuple[str, ...]  # the index's comment lines (fiscal year, source)


# Lines `code<TAB>example<TAB>description`, sorted by code; `example` is empty for billable
# codes. Descriptions may hold tabs (a few CDC ones do), so only the first two separate
# fields; they never hold a line break (the build refuses one). Lines starting with # are
# the header. One regular expression over the whole text takes about half the CPU time of
# splitting ~98,000 lines in Python (~75 ms against ~120 ms here).
_ROW = re.compile(r"^([^#\t\n][^\t\n]*)\t([^\t\n]*)\t(.*)$", re.MULTILINE)
_HEADER = re.compile(r"^#(.*)$", re.MULTILINE)


def parse_index(text: str) -> CodeSet:
    rows = _ROW.findall(text)
    return CodeSet(
        descriptions={code: description for code, _, description in rows},
        examples={code: example for code, example, _ in rows if example},
        header=tuple(line.strip() for line in _HEADER.findall(text)),
    )


@cache
def code_set() -> CodeSet:
    return parse_index(gzip.decompress(DATA_FILE.read_bytes()).decode("utf-8"))


# The lookups below take a code already normalised by validators.normalize_icd10 (F33.2),
# and answer as simple-icd-10-cm's is_valid_item / is_leaf / get_description did.


def is_known(code: str) -> bool:
    return code in code_set().descriptions


def is_billable(code: str) -> bool:
    """A known code with no codes under it (a leaf)."""
    codes = code_set()
    return code in codes.descriptions and code not in codes.examples


def description(code: str) -> str:
    return code_set().descriptions.get(code, "")


def first_billable_under(code: str) -> str:
    """The first billable code under a category, in the code set's own order (the code
    itself when it has none)."""
    return code_set().examples.get(code, code)


# --- Search, for an ICD-10 lookup widget ------------------------------------------------

_MAX_QUERY_CHARS = 200
_MAX_TERMS = 8
# A word prefix that starts more distinct words than this ("a", "di") is not merged from
# that many posting lists; it is checked against each candidate's description instead.
_BROAD_PREFIX_WORDS = 300
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as str.isalnum() counts them
_CODE_TERM = re.compile(r"[A-Z][0-9][0-9A-Z]{0,5}")


@dataclass(frozen=True)
class _SearchIndex:
    codes: tuple[str, ...]  # the billable codes, in code order
    descriptions: tuple[str, ...]  # aligned with `codes`
    folded: tuple[str, ...]  # casefolded descriptions, aligned with `codes`
    vocabulary: tuple[str, ...]  # sorted distinct words of the descriptions
    postings: dict[str, array]  # word -> indexes into `codes`, ascending


@cache
def _search_index() -> _SearchIndex:
    """Built on the first search only (~0.3 s of CPU): validation never needs it."""
    codes_set = code_set()
    codes = tuple(
        code
        for code in codes_set.descriptions  # in file order, which is code order
        if code not in codes_set.examples and _SHAPE.match(code)
    )
    descriptions = tuple(codes_set.descriptions[code] for code in codes)
    folded = tuple(text.casefold() for text in descriptions)
    postings: dict[str, array] = {}
    for i, text in enumerate(folded):
        for word in set(_WORD.findall(text)):
            if word not in postings:
                postings[word] = array("I")
            postings[word].append(i)
    return _SearchIndex(codes, descriptions, folded, tuple(sorted(postings)), postings)


def _starts_a_word(text: str, prefix: str) -> bool:
    """Does a word of `text` start with `prefix` (itself letters and digits)?"""
    at = text.find(prefix)
    while at >= 0:
        if at == 0 or not text[at - 1].isalnum():
            return True
        at = text.find(prefix, at + 1)
    return False


@dataclass(frozen=True)
class _Term:
    """One typed term: it matches a code it starts, or a description with a word starting
    with each of its parts ("post-traumatic" -> "post", "traumatic")."""

    codes: range  # indexes of the billable codes it starts
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, index: _SearchIndex) -> "_Term":
        compact = re.sub(r"[\s.]", "", text).upper()
        codes = range(0)
        if _CODE_TERM.fullmatch(compact):
            prefix = f"{compact[:3]}.{compact[3:]}" if len(compact) > 3 else compact
            start = bisect.bisect_left(index.codes, prefix)
            # Every code that starts with the prefix sorts before prefix + "~" (above "Z").
            codes = range(start, bisect.bisect_left(index.codes, prefix + "~", lo=start))
        return cls(codes, tuple(_WORD.findall(text.casefold())))

    def candidates(self, index: _SearchIndex) -> tuple[int, Iterator[int]] | None:
        """A superset of the matches, ascending, with its size: the code range merged with
        the postings of the rarest part. None if every part is a broad prefix."""
        best: tuple[int, list[array]] | None = None
        for part in self.parts:
            start = bisect.bisect_left(index.vocabulary, part)
            end = bisect.bisect_left(index.vocabulary, part + "\U0010ffff", lo=start)
            if end - start > _BROAD_PREFIX_WORDS:
                continue
            lists = [index.postings[word] for word in index.vocabulary[start:end]]
            size = sum(map(len, lists))
            if best is None or size < best[0]:
                best = (size, lists)
        if best is None:
            return (len(self.codes), iter(self.codes)) if not self.parts else None
        size, lists = best
        return size + len(self.codes), _unique(heapq.merge(self.codes, *lists))


def _unique(ascending: Iterable[int]) -> Iterator[int]:
    last = -1
    for i in ascending:
        if i != last:
            yield i
            last = i


def search_icd10(query: str, limit: int = 20) -> list[tuple[str, str]]:
    """Billable codes matching every typed term, in code order, at most `limit`, as
    (code, description).

    A term matches a code it starts (F33, f331, F33.1, f3) or a description with a word it
    starts ("recur" matches "recurrent"). Anything else (punctuation, an empty query, a
    code that isn't one) matches nothing; no input raises.
    """
    if not isinstance(query, str) or not isinstance(limit, int) or limit <= 0:
        return []
    index = _search_index()
    words = query[:_MAX_QUERY_CHARS].replace(",", " ").split()[:_MAX_TERMS]
    terms = [_Term.parse(word, index) for word in words]
    if not terms or any(not term.codes and not term.parts for term in terms):
        return []
    # Walk the rarest term's candidates in code order and check the terms on each one: at
    # most a few thousand cheap checks (str.find) even for common words ("other", "left").
    drivers = [(c, term) for term in terms if (c := term.candidates(index)) is not None]
    if drivers:
        (_, candidates), driver = min(drivers, key=lambda d: d[0][0])
    else:  # only broad prefixes ("a b"): they match often, so the walk ends early
        candidates, driver = iter(range(len(index.codes))), None
    checks = [
        (term.codes, term.parts)
        for term in terms
        # A one-part driver matches each of its own candidates.
        if term is not driver or len(term.parts) > 1
    ]
    folded = index.folded
    results = []
    for i in candidates:
        if all(i in codes or _has_word_starting_each(folded[i], parts) for codes, parts in checks):
            results.append((index.codes[i], index.descriptions[i]))
            if len(results) >= limit:
                break
    return results


def _has_word_starting_each(text: str, parts: tuple[str, ...]) -> bool:
    for part in parts:
        at = text.find(part)
        if at < 0:
            return False
        if at and text[at - 1].isalnum() and not _starts_a_word(text, part):
            return False
    return bool(parts)
