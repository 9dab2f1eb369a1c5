"""Factories and page helpers for the coverage-assessment and document tests.

    signer = SigningProviderFactory(user=clinician, clinic=clinic)   # a clinician who can sign
    doc = GeneratedDocumentFactory(patient=patient, kind="abn")       # a stored document, no render
    forms = generate_buttons(response)       # {"lmn": "<request_key>", ...} from the patient page
    doc = generate_from_page(client, patient, "lmn")   # open the page, press "Generate ..."
    data = form_fields(response, "coveragepolicy_form")   # what a browser would submit
    text = pdf_text(response.content)        # a PDF's text as pypdf extracts it, squashed

Real letters are rendered by the app (documents.services.generate_document or the
"Generate" button). GeneratedDocumentFactory is for tests about who may read, sign or send
a document, where the letter's wording does not matter: it stores a one-page PDF without
running the template engine or WeasyPrint, so those tests stay fast.
"""

import hashlib
import io
import re
from html.parser import HTMLParser

import factory
from django.core.files.base import ContentFile
from django.urls import reverse
from factory.django import DjangoModelFactory
from pypdf import PdfReader, PdfWriter

from documents.models import DocumentKind, GeneratedDocument
from tests.factories import PatientFactory, ProviderFactory, UserFactory

__all__ = [
    "GeneratedDocumentFactory",
    "SigningProviderFactory",
    "blank_pdf",
    "element_text",
    "form_fields",
    "generate_buttons",
    "generate_from_page",
    "pdf_text",
    "table_rows",
]


def blank_pdf() -> bytes:
    """A valid one-page PDF with no text."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_text(pdf: bytes) -> str:
    """Every page's extracted text, whitespace squashed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages)).strip()


class SigningProviderFactory(ProviderFactory):
    """A clinician's provider profile: linked to their user account, so they can sign."""

    user = factory.SubFactory(UserFactory)
    first_name = "Imani"
    last_name = "Reyes"
    credentials = "PMHNP-BC"
    specialty = "Psychiatric nursing"


class GeneratedDocumentFactory(DjangoModelFactory):
    """A stored document version with a small real PDF and a signature block in its HTML."""

    class Meta:
        model = GeneratedDocument
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    kind = DocumentKind.LMN
    version = factory.Sequence(lambda n: n + 1)
    html = "<html><body><p>Letter</p><!--signature--><p>Unsigned</p><!--/signature--></body></html>"
    page_count = 1
    generated_by = factory.SubFactory(UserFactory)
    sha256 = ""
    pdf = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        document = model_class(*args, **kwargs)
        content = blank_pdf()
        document.sha256 = hashlib.sha256(content).hexdigest()
        document.pdf.save(f"{document.kind}-test.pdf", ContentFile(content), save=False)
        document.save()
        return document


# --- Reading forms the way a browser submits them -------------------------------------


class _Forms(HTMLParser):
    """Every <form> on a page: its action, id and the name/value pairs a browser would send.

    Submit buttons are left out (the caller adds one if the view needs it); fields inside a
    <template> (a formset's blank row for JavaScript) are ignored, as a browser does.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._template = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self._template += 1
        if self._template:
            return
        if tag == "form":
            self._form = {"action": a.get("action", ""), "id": a.get("id"), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"][a["name"]] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            self._text = []
            if "selected" in a:
                self._select[2].append(value if value is not None else "")
            self._select[1].append(value if value is not None else "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._text = []

    def handle_endtag(self, tag):
        if tag == "template":
            self._template = max(self._template - 1, 0)
            return
        if self._template or self._form is None:
            return
        if tag == "select" and self._select is not None:
            name, options, selected = self._select
            if selected:
                self._form["fields"][name] = selected[-1]
            elif options:
                self._form["fields"][name] = options[0]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # A browser drops the one newline that follows <textarea>.
            self._form["fields"][self._textarea] = text[1:] if text.startswith("\n") else text
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def _forms(response) -> list[dict]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def form_fields(response, form_id: str | None = None, *, containing: str | None = None) -> dict:
    """The fields of the form with that id (or holding a field named `containing`)."""
    for form in _forms(response):
        if (form_id and form["id"] == form_id) or (containing and containing in form["fields"]):
            return dict(form["fields"])
    raise AssertionError(f"no form {form_id or containing!r} on the page")


def generate_buttons(response) -> dict[str, str]:
    """The patient page's "Generate ..." forms: {kind: request_key}."""
    patient_pk = response.context["patient"].pk
    action = reverse("documents:document-generate", args=[patient_pk])
    return {
        form["fields"]["kind"]: form["fields"]["request_key"]
        for form in _forms(response)
        if form["action"] == action
    }


def generate_from_page(client, patient, kind: str) -> GeneratedDocument:
    """Open the patient page and press the "Generate ..." button for `kind`."""
    page = client.get(reverse("intake:patient-detail", args=[patient.pk]))
    assert page.status_code == 200
    keys = generate_buttons(page)
    assert kind in keys, f"the patient page offers no button for {kind}: {sorted(keys)}"
    response = client.post(
        reverse("documents:document-generate", args=[patient.pk]),
        {"kind": kind, "request_key": keys[kind]},
    )
    assert response.status_code == 302
    document = GeneratedDocument.objects.get(request_key=keys[kind])
    assert response["Location"] == document.get_absolute_url()
    return document


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(response) -> list[list[str]]:
    """The text of each body row of the page's tables, cell by cell."""
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


class _ElementText(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0
        self.found = False
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.found = True
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def element_text(response, element_id: str) -> str | None:
    """The visible text of the element with that id (None if there is none), squashed."""
    parser = _ElementText(element_id)
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip() if parser.found else None
