"""Letters allow only https, http and mailto links; any other href (javascript:, data:, file:,
relative) is removed from the HTML and from the PDF (issue 12, "Resource limits")."""

import io

import pytest
from pypdf import PdfReader

from documents.link_schemes import is_allowed_href
from documents.rendering import render_document
from documents.sample_context import sample_context

LINKS = (
    '<a href="https://www.cms.gov/medicare/appeals">cms</a> '
    "<a href='http://example.org/'>plain web</a> "
    '<a href="mailto:appeals@example.org">mail</a> '
    '<a href="javascript:alert(document.cookie)">js</a> '
    '<a href=" JaVa&#x09;ScRiPt:alert(1)">obfuscated js</a> '
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a> '
    '<a href="file:///etc/passwd">file</a> '
    '<a href="../config/settings.py">relative</a> '
    '<a href="vbscript:msgbox(1)">vb</a>'
)
SOURCE = '{% extends "documents/layout.html" %}{% block content %}' + LINKS + "{% endblock %}"


@pytest.fixture(scope="module")
def rendered():
    return render_document(SOURCE, sample_context("lmn"))


def pdf_uris(pdf: bytes) -> list[str]:
    uris = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def test_only_web_and_mail_links_stay_in_the_html(rendered):
    html = rendered.html
    for kept in ("https://www.cms.gov/medicare/appeals", "http://example.org/", "mailto:appeals"):
        assert kept in html
    for removed in (
        "javascript:",
        "ScRiPt:",
        "data:text/html",
        "file:///",
        "../config",
        "vbscript",
    ):
        assert removed not in html
    assert ">obfuscated js</a>" in html  # the text stays, only the link goes


def test_only_web_and_mail_links_are_in_the_pdf(rendered):
    assert sorted(pdf_uris(rendered.pdf)) == [
        "http://example.org/",
        "https://www.cms.gov/medicare/appeals",
        "mailto:appeals@example.org",
    ]


@pytest.mark.parametrize(
    ("href", "allowed"),
    [
        ("https://a.example/", True),
        ("HTTP://a.example/", True),
        ("mailto:x@example.org", True),
        ("#section-2", True),
        ("javascript:void(0)", False),
        ("java\nscript:alert(1)", False),
        ("&#106;avascript:alert(1)", False),
        ("data:image/png;base64,AAAA", False),
        ("file:///etc/passwd", False),
        ("ftp://a.example/", False),
        ("letter.pdf", False),
        ("/static/x", False),
    ],
)
def test_href_schemes(href, allowed):
    assert is_allowed_href(href) is allowed
