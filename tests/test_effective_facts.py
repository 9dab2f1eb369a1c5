"""Effective-dated facts (appeals/deadlines/facts.py): value, source, range and verify flag.

Every expected figure is the one printed in the source cited beside it, never read back from
the data file under test.
"""

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from appeals.deadlines import (
    FormVersion,
    RuleDataError,
    UnknownFact,
    fact,
    fact_names,
    facts_named,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("on", "amount", "cited"),
    [
        # 88 FR 71555: "The Part B deductible for 2024 is $240.00 for all Part B beneficiaries."
        ("2024-01-01", "240.00", "88 FR 71555"),
        ("2024-12-31", "240.00", "88 FR 71555"),
        # 89 FR 90002: "The Part B deductible for 2025 is $257.00 ..."
        ("2025-06-30", "257.00", "89 FR 90002"),
        # 90 FR 52063: "The Part B deductible for 2026 is $283.00 ..."
        ("2026-01-01", "283.00", "90 FR 52063"),
        ("2026-12-31", "283.00", "90 FR 52063"),
    ],
)
def test_part_b_deductible_by_year(on, amount, cited):
    """SSA 1833(b): the annual Part B deductible, announced each autumn for the next year."""
    answer = fact("part_b_deductible", on=D(on))

    assert answer.value == Decimal(amount)
    assert cited in answer.citation
    assert answer.effective_from.year == answer.effective_to.year == D(on).year
    assert answer.verify is False


@pytest.mark.parametrize("on", ["2023-12-31", "2027-01-01"])
def test_a_year_without_a_published_deductible_has_none_on_file(on):
    """The 2027 figure was not in the sources seen: the app says none rather than guess."""
    assert fact("part_b_deductible", on=D(on)) is None


@pytest.mark.parametrize("on", ["2024-01-01", "2026-07-01", "2030-01-01"])
def test_part_b_coinsurance_is_twenty_percent(on):
    """SSA 1833(a)(1): Part B pays 80 percent of the approved amount after the deductible,
    so the beneficiary's coinsurance is 20 percent; statutory, not adjusted yearly."""
    answer = fact("part_b_coinsurance", on=D(on))

    assert answer.value == Decimal("20")
    assert "1833(a)(1)" in answer.citation
    assert answer.effective_to is None


@pytest.mark.parametrize(
    ("on", "expiry", "mandatory_from"),
    [
        # Form CMS-R-131 exp. 01/31/2026: mandatory from 2023-06-30, kept in use after its
        # expiry until the renewed form became mandatory.
        ("2025-06-01", "2026-01-31", "2023-06-30"),
        ("2026-03-01", "2026-01-31", "2023-06-30"),
        ("2026-05-11", "2026-01-31", "2023-06-30"),
        # Reference §D: "the version expiring 2029-03-31 is mandatory from 2026-05-12".
        ("2026-05-12", "2029-03-31", "2026-05-12"),
        ("2029-03-31", "2029-03-31", "2026-05-12"),
    ],
)
def test_abn_form_version_in_force(on, expiry, mandatory_from):
    answer = fact("abn_form", on=D(on))

    assert isinstance(answer.value, FormVersion)
    assert answer.value.form == "CMS-R-131"
    assert answer.value.omb_expiry == D(expiry)
    assert answer.value.mandatory_from == D(mandatory_from)
    assert answer.verify is True  # secondary sources only: flagged for staff
    assert answer.verify_note


def test_no_abn_version_is_on_file_after_the_last_known_expiry():
    assert fact("abn_form", on=D("2029-04-01")) is None


def test_esketamine_monotherapy_approval_uses_the_later_reported_date_and_is_flagged():
    """Reference §A: TRD monotherapy, January 2025 (VERIFY: 2025-01-21 vs 2025-01-17).
    BPM Ch. 15 §50.4.1 pays FDA-approved uses on or after approval, so the later date is the
    safe one; the other is named in the verify note."""
    assert fact("esketamine_trd_monotherapy_approved", on=D("2025-01-20")) is None
    answer = fact("esketamine_trd_monotherapy_approved", on=D("2025-01-21"))

    assert answer.value == D("2025-01-21")
    assert answer.verify is True
    assert "2025-01-17" in answer.verify_note


def test_every_fact_carries_a_source_and_a_range():
    for name in fact_names():
        for version in facts_named(name):
            assert version.citation.strip()
            assert version.effective_from is not None
            assert not version.verify or version.verify_note


def test_an_unknown_fact_name_is_an_error_not_a_missing_year():
    with pytest.raises(UnknownFact, match="part_b_deductible"):
        fact("part_b_deductable", on=D("2026-01-01"))


def test_no_2027_amount_in_controversy_was_added_without_a_source():
    """The CY2027 AIC notice was not found in the sources seen: none is on file (the
    deadline results then say so only when an amount is given)."""
    from appeals.deadlines import aic_threshold

    assert aic_threshold("alj", D("2027-01-01")) is None
    assert aic_threshold("court", D("2027-01-01")) is None


# --- The loader refuses a bad edit ---------------------------------------------------------


@pytest.fixture
def edited_facts(tmp_path, monkeypatch):
    from appeals.deadlines import facts

    original = json.loads(facts.FACTS_FILE.read_text(encoding="utf-8"))

    def load(change):
        data = copy.deepcopy(original)
        change(data)
        path = tmp_path / "effective_facts.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        monkeypatch.setattr(facts, "FACTS_FILE", path)
        facts._facts.cache_clear()
        return facts.fact_names()

    yield load
    facts._facts.cache_clear()


def _first(data, name):
    return next(item for item in data["facts"] if item["name"] == name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _first(d, "part_b_deductible").update(value=240.0), "written as strings"),
        (lambda d: _first(d, "part_b_deductible").update(value="-1"), "not an amount"),
        (lambda d: _first(d, "part_b_deductible").update(kind="euros"), "unknown kind"),
        (lambda d: _first(d, "part_b_deductible").update(citation=" "), "needs its citation"),
        (lambda d: _first(d, "abn_form").update(verify_note=None), "needs a verify_note"),
        (lambda d: _first(d, "abn_form").update(effective_to="2026-05-12"), "overlap"),
        (lambda d: _first(d, "abn_form")["value"].pop("omb_expiry"), "malformed"),
        (lambda d: _first(d, "part_b_coinsurance").update(source="x"), "malformed"),
        (
            lambda d: d["facts"].append(
                _first(d, "esketamine_trd_monotherapy_approved")
                | {"name": "abn_form", "effective_from": "2030-01-01"}
            ),
            "disagree on kind",
        ),
    ],
)
def test_a_bad_edit_to_the_facts_fails_loudly(edited_facts, change, message):
    with pytest.raises(RuleDataError, match=message):
        edited_facts(change)


def test_the_facts_on_file_load(edited_facts):
    assert "abn_form" in edited_facts(lambda data: None)
