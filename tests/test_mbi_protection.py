"""The Medicare number (MBI) is encrypted at rest, searchable through a keyed blind index,
shown masked on pages and never printed on an ABN.

Guards: intake.crypto (EncryptedTextField, Fernet keys MBI_ENCRYPTION_KEYS, blind_index
with MBI_INDEX_KEY), Coverage.save (normalises the MBI and fills mbi_index),
intake.search.filter_patients (searches mbi_index), Coverage.masked_mbi in the patient
templates, documents.rendering._redact (no MBI in an ABN's context) and the key check at the
top of config/settings.py.
"""

import hashlib
import hmac
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from documents.models import GeneratedDocument, LetterTemplate
from intake import crypto
from intake.models import Coverage, Patient
from tests.factories import CoverageFactory, PatientFactory, complete_intake, current_version
from tests.factories_documents import generate_from_page, pdf_text, table_rows

MBI = "7TW2PQ4RJ86"
MBI_FORMS = (MBI, "7TW2-PQ4-RJ86", MBI.lower(), "7tw2-pq4-rj86")
MASKED = "•••••••RJ86"


def raw_coverage(pk: int) -> tuple[str, str]:
    """The stored (mbi, mbi_index) columns, read past the ORM."""
    quote = connection.ops.quote_name
    table = quote(Coverage._meta.db_table)
    mbi = quote(Coverage._meta.get_field("mbi").column)
    index = quote(Coverage._meta.get_field("mbi_index").column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {mbi}, {index} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def plaintext_at_rest(*needles: str) -> list[str]:
    """Every table and row (as text) of the whole database that contains one of `needles`."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - introspected names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    text = (
                        value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    )
                    if any(needle.lower() in text.lower() for needle in needles):
                        found.append(f"{table}: {text[:120]}")
    return found


def assert_no_full_mbi(html: str) -> None:
    for form in MBI_FORMS:
        assert form not in html, form


@pytest.fixture
def fresh_fernet():
    """intake.crypto caches its MultiFernet; tests that change keys clear it both ways."""
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


@pytest.fixture
def patient(clinic):
    patient = PatientFactory(clinic=clinic, first_name="Ermengarde", last_name="Quillfeather")
    CoverageFactory(patient=patient, mbi=MBI)
    return patient


# --- At rest -------------------------------------------------------------------------------


def test_the_mbi_column_holds_fernet_ciphertext_and_the_orm_returns_plaintext(patient):
    # Guards: EncryptedTextField.get_prep_value / from_db_value.
    raw_mbi, raw_index = raw_coverage(patient.coverage.pk)

    assert raw_mbi != MBI
    assert raw_mbi.startswith(crypto.FERNET_PREFIX) and raw_mbi.startswith("gAAAAA")
    assert all(form.lower() not in raw_mbi.lower() for form in MBI_FORMS)
    assert Coverage.objects.get(pk=patient.coverage.pk).mbi == MBI
    assert Patient.objects.get(pk=patient.pk).coverage.mbi == MBI
    assert MBI not in raw_index


def test_the_same_mbi_encrypts_differently_but_has_one_blind_index(clinic, patient):
    # Guards: Fernet's random IV (no equality leak between rows) and the deterministic
    # keyed index that search relies on.
    twin = PatientFactory(clinic=clinic)
    CoverageFactory(patient=twin, mbi="7tw2-pq4-rj86")  # typed with dashes, lower case

    first_mbi, first_index = raw_coverage(patient.coverage.pk)
    second_mbi, second_index = raw_coverage(twin.coverage.pk)

    assert first_mbi != second_mbi
    assert first_index == second_index == crypto.blind_index(MBI)
    assert Coverage.objects.get(pk=twin.coverage.pk).mbi == MBI  # stored normalised


def test_the_blind_index_is_a_keyed_hmac_not_a_plain_hash(settings):
    # Guards: blind_index uses HMAC-SHA256 with MBI_INDEX_KEY; a plain hash of an
    # 11-character MBI could be brute-forced from the column alone.
    index = crypto.blind_index(MBI)
    key = settings.MBI_INDEX_KEY.encode()

    assert index == hmac.new(key, MBI.encode(), hashlib.sha256).hexdigest()
    assert index != hashlib.sha256(MBI.encode()).hexdigest()
    settings.MBI_INDEX_KEY = "a-different-index-key"
    assert crypto.blind_index(MBI) != index


def test_a_row_cannot_be_read_without_its_key(settings, patient, fresh_fernet):
    # Guards: the ciphertext really depends on MBI_ENCRYPTION_KEYS.
    settings.MBI_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto._fernet.cache_clear()

    with pytest.raises(ValueError, match="could not be decrypted"):
        Coverage.objects.get(pk=patient.coverage.pk)


def test_keys_rotate_old_rows_stay_readable_and_saves_use_the_newest_key(
    settings, patient, fresh_fernet
):
    # Guards: MultiFernet over MBI_ENCRYPTION_KEYS, newest first.
    new_key = Fernet.generate_key().decode()
    settings.MBI_ENCRYPTION_KEYS = [new_key, *settings.MBI_ENCRYPTION_KEYS]
    crypto._fernet.cache_clear()

    coverage = Coverage.objects.get(pk=patient.coverage.pk)
    assert coverage.mbi == MBI
    coverage.save()

    raw_mbi, _ = raw_coverage(coverage.pk)
    assert Fernet(new_key.encode()).decrypt(raw_mbi.encode()).decode() == MBI


def test_an_mbi_entered_through_the_intake_is_nowhere_in_the_database_in_clear(
    client_for, front_desk, clinic
):
    # Guards: the column encryption, and that nothing else (audit trail, change history)
    # keeps a plaintext copy of the number.
    client = client_for(front_desk)
    response = client.post(
        reverse("intake:intake-start"),
        {
            "clinic": clinic.pk,
            "first_name": "Ermengarde",
            "last_name": "Quillfeather",
            "date_of_birth": "1949-02-17",
            "sex": "F",
            "phone": "585-555-0142",
            "address_line1": "12 Elm Road",
            "city": "Rochester",
            "state": "NY",
            "zip_code": "14607",
        },
    )
    assert response.status_code == 302
    patient = Patient.objects.get(last_name="Quillfeather")
    coverage_step = reverse("intake:intake-step", args=[patient.pk, "coverage"])
    for mbi in ("7tw2-pq4-rj86", "1EG4TE5MK73", MBI):  # entered, corrected, corrected back
        response = client.post(
            coverage_step,
            {
                "program": "original",
                "mbi": mbi,
                "part_a_effective": "2018-03-01",
                "part_b_effective": "2018-03-01",
                "medigap_plan": "Plan G",
                "medicaid_dual": "none",
                "return": "detail",
                **current_version(patient),  # each save bumps it: read it before each POST
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
    assert Coverage.objects.get(patient=patient).mbi == MBI

    assert plaintext_at_rest(*MBI_FORMS, "1EG4TE5MK73", "1EG4-TE5-MK73") == []


# --- Search --------------------------------------------------------------------------------


def test_search_by_mbi_with_dashes_in_lower_case_finds_the_patient(
    client_for, front_desk, clinic, patient
):
    # Guards: intake.search.filter_patients -> normalize_mbi -> mbi_index lookup.
    other = PatientFactory(clinic=clinic, first_name="Barnaby", last_name="Thistlewood")
    CoverageFactory(patient=other)
    client = client_for(front_desk)

    assert client.post(reverse("intake:patient-list"), {"q": "7tw2-pq4-rj86"}).status_code == 302
    response = client.get(reverse("intake:patient-list"))

    rows = table_rows(response)
    assert len(rows) == 1
    assert rows[0][0] == "Quillfeather, Ermengarde"
    assert rows[0][4] == MASKED  # after the coverage-status column


# --- On pages ------------------------------------------------------------------------------


def test_the_patient_list_shows_only_the_last_four(client_for, front_desk, patient, page_text):
    # Guards: Coverage.masked_mbi in templates/intake/patient_list.html.
    response = client_for(front_desk).get(reverse("intake:patient-list"))

    assert response.status_code == 200
    assert MASKED in page_text(response)
    assert_no_full_mbi(response.content.decode())


def test_the_patient_page_shows_only_the_last_four(client_for, front_desk, patient, page_text):
    # Guards: Coverage.masked_mbi in templates/intake/patient_detail.html.
    response = client_for(front_desk).get(patient.get_absolute_url())

    assert response.status_code == 200
    assert f"Medicare number {MASKED}" in page_text(response)
    assert_no_full_mbi(response.content.decode())


# --- On the ABN ----------------------------------------------------------------------------


@pytest.fixture
def abn_patient(clinic, patient):
    """Original Medicare, IV ketamine: the assessment expects a denial, so an ABN is due."""
    patient.coverage.delete()
    complete_intake(patient)
    coverage = Coverage.objects.get(patient=patient)
    coverage.mbi = MBI
    coverage.save()
    return Patient.objects.get(pk=patient.pk)


def test_the_abn_never_contains_the_mbi(client_for, billing, abn_patient):
    # Guards: documents.rendering._redact and the shipped ABN template (blank C is the
    # chart number, CMS-R-131 instructions).
    client = client_for(billing)
    document = generate_from_page(client, abn_patient, "abn")

    pdf = client.get(reverse("documents:document-pdf", args=[document.pk])).content
    text = pdf_text(pdf)
    assert "Quillfeather" in text  # it is the right patient's ABN
    assert_no_full_mbi(text)
    assert_no_full_mbi(GeneratedDocument.objects.get(pk=document.pk).html)


def test_an_admin_edited_abn_template_cannot_print_the_mbi_through_another_field(
    client_for, billing, abn_patient
):
    # Guards: documents.rendering._redact/_scrub. For Original Medicare (the only program an
    # ABN is given for) coverage.member_id *is* the MBI, so dropping patient.mbi alone would
    # not be enough.
    body = (
        '{% extends "documents/layout.html" %}{% block content %}'
        "<p>B. {{ patient.full_name }} C. {{ patient.chart_number }} {{ patient.mbi }} "
        "{{ coverage.member_id }}</p>{% endblock %}"
    )
    template = LetterTemplate(kind="abn", version=LetterTemplate.next_version("abn"), body=body)
    template.full_clean()  # the admin's validation accepts it
    template.save()
    client = client_for(billing)

    document = generate_from_page(client, abn_patient, "abn")

    text = pdf_text(client.get(reverse("documents:document-pdf", args=[document.pk])).content)
    assert "Quillfeather" in text
    assert_no_full_mbi(text)


def test_a_generated_letter_leaves_no_plaintext_mbi_in_the_database(
    client_for, billing, abn_patient
):
    client = client_for(billing)
    document = generate_from_page(client, abn_patient, "lmn")
    assert MBI in pdf_text(document.read_pdf())  # the LMN must carry it (on paper)

    assert [hit for hit in plaintext_at_rest(MBI) if "generateddocument" in hit] == []


# --- Keys are required ---------------------------------------------------------------------


def load_settings(**env: str) -> subprocess.CompletedProcess:
    keep = ("PATH", "HOME", "LANG", "SECRET_KEY")
    environment = {name: os.environ[name] for name in keep if name in os.environ}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", "import config.settings"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param({}, id="no-keys"),
        pytest.param({"MBI_INDEX_KEY": "an-index-key"}, id="no-encryption-key"),
        pytest.param({"MBI_ENCRYPTION_KEYS": Fernet.generate_key().decode()}, id="no-index-key"),
    ],
)
def test_settings_refuse_to_load_without_the_keys_when_debug_is_off(keys):
    # Guards: the ImproperlyConfigured check at the top of config/settings.py (no silent
    # fallback to keys derived from SECRET_KEY in production).
    result = load_settings(DEBUG="0", **keys)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "MBI_ENCRYPTION_KEYS and MBI_INDEX_KEY must be set" in result.stderr


def test_settings_load_with_both_keys():
    # The control for the test above: with both keys the same import succeeds.
    result = load_settings(
        DEBUG="0",
        MBI_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        MBI_INDEX_KEY="k",
        AUDIT_CHAIN_KEYS=os.environ["AUDIT_CHAIN_KEYS"],  # required too (test_audit_chain_keys)
    )

    assert result.returncode == 0, result.stderr
