"""The command-line tools: assess an intake file or a stored patient, render a document.

`assess_coverage` prints the assessment as JSON and stops with exit status 2 and a message
naming the field when the input is unusable. `render_document` stores a new document
version exactly as the "Generate" button does and writes its PDF to a file.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command, execute_from_command_line
from django.urls import reverse

from documents.models import GeneratedDocument
from tests.factories import PatientFactory, complete_intake
from tests.factories_documents import pdf_text

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"
EXPECTED = {
    "esketamine-mdd-si-incomplete.json": ("incomplete", "esketamine-mdd-si-original"),
    "esketamine-trd-original.json": ("covered", "esketamine-trd-monotherapy-original"),
    "iv-ketamine-ptsd-original.json": ("likely_denied", "iv-ketamine-ptsd-original"),
    "iv-ketamine-trd-advantage.json": ("prior_auth_required", "iv-ketamine-trd-advantage"),
}


def run(*args) -> dict | str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def refused(*args) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    return caught.value


@pytest.fixture
def patient(clinic):
    patient = PatientFactory(clinic=clinic, first_name="Mabel", last_name="Thornbury")
    return complete_intake(patient)


@pytest.fixture
def example() -> dict:
    return json.loads((EXAMPLES / "esketamine-trd-original.json").read_text())


def test_every_example_file_is_covered_here():
    assert sorted(p.name for p in EXAMPLES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_assess_coverage_prints_the_assessment_of_each_example_as_json(name):
    determination, policy_key = EXPECTED[name]

    result = json.loads(run("assess_coverage", str(EXAMPLES / name)))

    assert result["determination"] == determination
    assert result["policy_key"] == policy_key
    assert result["policy_version"] == 1
    assert result["summary"]
    assert result["criteria"]
    assert all(
        {"statement", "status", "evidence", "citation"} <= set(c) for c in result["criteria"]
    )


@pytest.mark.django_db
def test_invalid_json_stops_with_status_2(tmp_path):
    path = tmp_path / "intake.json"
    path.write_text('{"format_version": 1, "age": ')

    error = refused("assess_coverage", str(path))

    assert str(error) == f"{path}: (document): not valid JSON at line 1"


@pytest.mark.django_db
def test_a_bad_field_stops_with_status_2_and_names_the_field(tmp_path, example):
    example["age"] = -3
    example["trials"][1]["weeks"] = "three"
    example["request"]["product"] = "psilocybin"
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(example))

    message = str(refused("assess_coverage", str(path)))

    assert "age: must be >= 0" in message
    assert "trials[1].weeks: must be a number or null" in message
    assert "request.product: must be one of" in message


@pytest.mark.django_db
def test_a_missing_file_stops_with_status_2(tmp_path):
    error = refused("assess_coverage", str(tmp_path / "nowhere.json"))

    assert "no such file" in str(error)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args", [[], ["docs/examples/esketamine-trd-original.json", "--patient", "1"]]
)
def test_assess_coverage_needs_exactly_one_input(args):
    error = refused("assess_coverage", *args)

    assert str(error) == "Give either a JSON file or --patient ID."


def test_the_command_line_exits_with_status_2_and_says_why(tmp_path, capsys):
    path = tmp_path / "intake.json"
    path.write_text("not json at all")

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "assess_coverage", "--skip-checks", str(path)])

    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"CommandError: {path}: (document): not valid JSON at line 1" in captured.err


def test_assess_coverage_of_a_stored_patient(patient, billing, client_for):
    result = json.loads(run("assess_coverage", "--patient", str(patient.pk)))

    # Off-label IV ketamine with augmentation unrecorded: a medical-necessity review with
    # the ABN still offered (medicare.md §G: "BPM Ch.15 §50.4.2 leaves off-label use to the
    # MAC case by case"; augmentation is typical payer practice, advice only).
    assert result["determination"] == "medical_necessity_review"
    assert result["policy_key"] == "iv-ketamine-trd-original"
    assert "abn" in result["documents"]
    assert "medically accepted" in result["abn_reason"]
    # The same assessment the patient page shows, stored once.
    run("assess_coverage", "--patient", str(patient.pk))
    history = client_for(billing).get(reverse("coverage:assessment-history", args=[patient.pk]))
    assert history.content.decode().count("<td>Medical-necessity review expected</td>") == 1


@pytest.mark.django_db
def test_assess_coverage_of_an_unknown_patient_stops_with_status_2():
    error = refused("assess_coverage", "--patient", "987654")

    assert str(error) == "No patient with id 987654."


def test_assess_coverage_of_a_patient_without_a_request_stops_with_status_2(clinic):
    patient = PatientFactory(clinic=clinic)

    error = refused("assess_coverage", "--patient", str(patient.pk))

    assert str(error) == f"Patient {patient.pk} has no treatment request to assess."


def test_render_document_writes_the_pdf_and_stores_a_version(
    patient, clinician, billing, client_for, tmp_path, page_text
):
    # Nobody has opened this patient yet, so the command also stores the first assessment
    # (a regression check: that path used to fail with a TypeError).
    out = tmp_path / "lmn.pdf"

    printed = run(
        "render_document",
        *("--patient", str(patient.pk), "--kind", "lmn", "--out", str(out)),
        *("--user", "clinician"),
    )

    document = GeneratedDocument.objects.get(patient=patient)
    assert (document.kind, document.version, document.generated_by) == ("lmn", 1, clinician)
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert "Mabel Thornbury" in pdf_text(pdf)
    assert pdf == document.read_pdf()
    assert printed.strip() == (
        f"Letter of Medical Necessity v1: {document.page_count} page(s), "
        f"SHA-256 {document.sha256}, written to {out}"
    )
    # It is an ordinary document version: listed on the patient's documents page.
    listing = client_for(billing).get(reverse("documents:patient-documents", args=[patient.pk]))
    assert "Letter of Medical Necessity v1" in page_text(listing)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patient", "987654", "--user", "clinician"], "No patient with id 987654."),
        (["--user", "nobody-by-that-name"], "Name an existing user with --user."),
    ],
)
def test_render_document_refuses_unknown_patients_and_users(
    args, message, patient, clinician, tmp_path
):
    if "--patient" not in args:
        args = ["--patient", str(patient.pk), *args]
    out = tmp_path / "lmn.pdf"

    error = refused("render_document", "--kind", "lmn", "--out", str(out), *args)

    assert str(error) == message
    assert not out.exists()
    assert not GeneratedDocument.objects.exists()


def test_render_document_refuses_an_abn_the_assessment_does_not_recommend(
    clinic, clinician, tmp_path
):
    from intake.choices import Product

    covered = PatientFactory(clinic=clinic)
    complete_intake(covered, product=Product.ESKETAMINE)
    out = tmp_path / "abn.pdf"

    error = refused(
        "render_document",
        *("--patient", str(covered.pk), "--kind", "abn", "--out", str(out)),
        *("--user", "clinician"),
    )

    assert "An ABN is only given when the assessment says" in str(error)
    assert not out.exists()
    assert not GeneratedDocument.objects.exists()
