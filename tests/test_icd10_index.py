"""The ICD-10-CM index (intake/icd10.py): built from simple-icd-10-cm, read on first use,
never at import time, and searchable for the lookup widget."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake import icd10
from intake.icd10 import search_icd10

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_index_matches_the_installed_code_set():
    """Fails after a simple-icd-10-cm upgrade until `python -m intake.icd10_build` is run
    and its output committed (the yearly October 1 update, intake/icd10_build.py)."""
    from intake.icd10_build import build_index, read_index_text

    assert read_index_text() == build_index()


def test_the_index_names_its_fiscal_year_and_source():
    header = " ".join(icd10.code_set().header)
    assert re.search(r"ICD-10-CM FY\d{4} code set", header)
    assert "simple-icd-10-cm" in header


def test_starting_django_reads_neither_the_code_set_package_nor_the_index():
    probe = (
        "import sys, django; django.setup();"
        "from django.urls import resolve; resolve('/');"  # the URLconf and every view
        "from intake import icd10;"
        "assert 'simple_icd_10_cm' not in sys.modules, 'simple_icd_10_cm imported';"
        "assert icd10.code_set.cache_info().currsize == 0, 'index read at start-up'"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    result = subprocess.run(  # noqa: S603  (our own interpreter and a fixed script)
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_billable_codes_are_in_code_order():
    codes = icd10._search_index().codes
    assert list(codes) == sorted(codes)
    assert len(codes) > 70_000


@pytest.mark.parametrize(
    ("code", "known", "billable"),
    [
        ("F33.2", True, True),
        ("F33", True, False),
        ("F32.A", True, True),
        ("T40.0X1A", True, True),
        ("T40.0X1", True, False),  # needs its 7th character
        ("A33", True, True),  # a category with no subcategories is billable
        ("F33.9999", False, False),
    ],
)
def test_lookups(code, known, billable):
    assert icd10.is_known(code) is known
    assert icd10.is_billable(code) is billable


def test_a_category_suggests_its_first_billable_code_in_the_code_sets_order():
    assert icd10.first_billable_under("F33") == "F33.0"
    # The tabular lists W44.A (batteries, 2022) before W44.8; the suggestion follows it.
    assert icd10.first_billable_under("W44") == "W44.A0XA"


# Search.


def codes(results):
    return [code for code, _ in results]


@pytest.mark.parametrize("query", ["F33", "f33", " F33 ", "F33."])
def test_search_by_category_lists_its_billable_codes_in_order(query):
    assert codes(search_icd10(query)) == [
        "F33.0",
        "F33.1",
        "F33.2",
        "F33.3",
        "F33.40",
        "F33.41",
        "F33.42",
        "F33.8",
        "F33.9",
    ]


@pytest.mark.parametrize("query", ["F33.4", "f334", "F33.4 "])
def test_search_by_code_prefix_with_or_without_the_dot(query):
    assert codes(search_icd10(query)) == ["F33.40", "F33.41", "F33.42"]


def test_search_by_words_matches_word_starts_in_any_order():
    results = search_icd10("recurrent sev depress")
    assert ("F33.2", "Major depressive disorder, recurrent severe without psychotic features") in (
        results
    )
    assert all(
        re.search(r"\bsev", d, re.I) and re.search(r"\brecurrent", d, re.I) for _, d in results
    )
    assert codes(search_icd10("depress recurrent sev")) == codes(results)


def test_search_splits_hyphenated_words_and_ignores_case_and_commas():
    assert codes(search_icd10("POST-TRAUMATIC, stress")) == ["F43.10", "F43.11", "F43.12"]


def test_search_mixes_a_code_prefix_and_words():
    assert codes(search_icd10("F43 chronic")) == ["F43.12"]


def test_a_word_inside_another_word_does_not_match():
    assert "F33.2" not in codes(search_icd10("pressive"))


def test_search_returns_only_billable_codes():
    assert all(icd10.is_billable(code) for code in codes(search_icd10("depress", limit=500)))
    assert "F33" not in codes(search_icd10("major depressive disorder recurrent", limit=500))


def test_search_stops_at_the_limit():
    assert len(search_icd10("fracture", limit=5)) == 5
    assert len(search_icd10("fracture")) == 20
    assert search_icd10("fracture", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "!!!", "-", "ketamine", "F33.9999", "Ü99"])
def test_search_finds_nothing_for_junk(query):
    assert search_icd10(query) == []


@settings(max_examples=300, deadline=None)
@given(query=st.text(), limit=st.integers(min_value=-5, max_value=50))
def test_search_never_raises(query, limit):
    results = search_icd10(query, limit=limit)
    assert len(results) <= max(limit, 0)
    assert all(isinstance(c, str) and isinstance(d, str) for c, d in results)


def _brute_force(query: str, limit: int) -> list[str]:
    """The documented rule, the slow way: every term starts the code or starts a word of
    the description with each of its parts."""
    index = icd10._search_index()
    rules = []
    for term in query.replace(",", " ").split():
        compact = re.sub(r"[\s.]", "", term).upper()
        is_code = re.fullmatch(r"[A-Z][0-9][0-9A-Z]{0,5}", compact) is not None
        parts = [
            re.compile(r"(?<![^\W_])" + re.escape(part))
            for part in re.findall(r"[^\W_]+", term.casefold())
        ]
        rules.append((compact if is_code else None, parts))
    found = []
    for code, text in zip(index.codes, index.folded, strict=True):
        if all(
            (prefix is not None and code.replace(".", "").startswith(prefix))
            or (parts and all(part.search(text) for part in parts))
            for prefix, parts in rules
        ):
            found.append(code)
            if len(found) == limit:
                break
    return found


@st.composite
def typed_queries(draw):
    """One to three terms: word starts from real descriptions, or code prefixes."""
    index = icd10._search_index()
    vocabulary = index.vocabulary
    terms = draw(
        st.lists(
            st.one_of(
                st.sampled_from(vocabulary).flatmap(
                    lambda w: st.integers(1, len(w)).map(lambda n: w[:n])
                ),
                st.sampled_from(index.codes).flatmap(
                    lambda c: st.integers(1, len(c)).map(lambda n: c[:n])
                ),
            ),
            min_size=1,
            max_size=3,
        )
    )
    return " ".join(terms)


@settings(max_examples=20, deadline=None)
@given(query=typed_queries(), limit=st.integers(min_value=1, max_value=30))
def test_search_finds_what_the_rule_says_in_code_order(query, limit):
    assert codes(search_icd10(query, limit=limit)) == _brute_force(query, limit)
