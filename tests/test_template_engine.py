"""The restricted letter-template engine: what it refuses, where, and how it escapes."""

import enum
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import UnionType

import pytest
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.utils.safestring import mark_safe

from documents.rendering import (
    CONTEXT_SCHEMA,
    DOCUMENT_KINDS,
    TemplateRefused,
    default_template_source,
    render_html,
    validate_template,
)
from documents.sample_context import SAMPLE_KINDS, sample_context
from documents.template_engine import ALLOWED_FILTERS, ALLOWED_TAGS, LAYOUT_NAME, get_engine

EXTENDS = '{% extends "documents/layout.html" %}'


def refusal(source: str) -> TemplateRefused:
    with pytest.raises(TemplateRefused) as caught:
        validate_template(source)
    return caught.value


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("<p>\n{% load static %}", 2, "{% load %} is not allowed"),
        ("{% load i18n %}", 1, "{% load %} is not allowed"),
        ("a\nb\n{% include 'documents/lmn.html' %}", 3, "{% include %} is not allowed"),
        ('{% extends "base.html" %}', 1, '{% extends %} may only name "documents/layout.html"'),
        ("{% extends layout_name %}", 1, "{% extends %} may only name"),
        ("x\n{% debug %}", 2, "{% debug %} is not allowed"),
        ("{% ssi '/etc/passwd' %}", 1, "{% ssi %} is not allowed"),
        ("<form>\n\n\n{% csrf_token %}", 4, "{% csrf_token %} is not allowed"),
        ("{% url 'intake:patient-list' %}", 1, "{% url %} is not allowed"),
        ("\n{% static 'css/letter.css' %}", 2, "{% static %} is not allowed"),
        ("{% autoescape off %}{{ patient.full_name }}{% endautoescape %}", 1, "autoescape off"),
        ("<p>\n{{ patient.full_name|safe }}</p>", 2, "the |safe filter is not allowed"),
        ("{% for l in clinic.address_lines %}\n{{ l|safeseq }}{% endfor %}", 2, "|safeseq"),
        ("{{ patient.full_name|slugify }}", 1, "the |slugify filter is not allowed"),
        ("{% widthratio 1 2 3 %}", 1, "disallowed tag {% widthratio %}"),
        ("{% filter upper %}x{% endfilter %}", 1, "disallowed tag {% filter %}"),
        ("{% lorem %}", 1, "disallowed tag {% lorem %}"),
        ("{% templatetag openblock %}", 1, "disallowed tag {% templatetag %}"),
        ("{% if patient.age %}\n\nunclosed", 1, "Unclosed tag"),
    ],
)
def test_disallowed_tags_and_filters_are_refused_with_their_line(source, line, reason):
    refused = refusal(source)
    assert refused.line == line
    assert reason in refused.message
    assert str(refused).startswith(f"line {line}: ")


def test_unknown_variable_is_refused_with_a_plain_message():
    source = "<p>Dear {{ patient.first_name }},</p>\n<p>\n{{ patient.ssn }}</p>"
    assert str(refusal(source)) == "line 3: unknown variable 'patient.ssn'"


@pytest.mark.parametrize(
    "path",
    [
        "patient.full_name.upper",  # a str method
        "patient.items",  # a dict method: Django would call it
        "patient.keys",
        "trials.count",  # a list method
        "clinic.address_lines.pop",
        "today.year",  # attributes of leaf values are not in the schema either
        "settings",
        "request.META",
        "patient.date_of_birth.isoformat",
    ],
)
def test_method_calls_and_undocumented_attributes_are_refused(path):
    refused = refusal(f"{{{{ {path} }}}}")
    assert refused.message == f"unknown variable '{path}'"


@pytest.mark.parametrize(
    "source", ["{{ name.__class__ }}", "{{ patient.__dict__ }}", "{{ _private }}"]
)
def test_dunder_and_private_paths_are_refused(source):
    assert "underscore" in refusal(source).message


@pytest.mark.parametrize(
    "source",
    [
        "{% for trial in trials %}\n{{ trial.ssn }}{% endfor %}",
        "{% with p=patient %}\n{{ p.ssn }}{% endwith %}",
        "{% if patient.age > 18 %}\n{{ patient.ssn }}{% endif %}",
        "{% firstof patient.phone clinic.phone %}\n{{ patient.full_name|default:patient.ssn }}",
        "{% for d in diagnoses %}\n{% if d.secret %}x{% endif %}{% endfor %}",
        EXTENDS + "{% block content %}\n{{ patient.ssn }}{% endblock %}",
    ],
)
def test_variables_are_checked_inside_every_allowed_construct(source):
    refused = refusal(source)
    assert refused.line == 2
    assert refused.message.startswith("unknown variable")


def test_a_whole_group_of_fields_cannot_be_printed():
    # Printing the patient dict would print every field, the MBI included.
    assert "group of fields" in refusal("{{ patient }}").message
    assert "is a list" in refusal("{{ trials }}").message
    assert "is a list" in refusal("{{ trials|join:', ' }}").message
    assert "cannot be a filter argument" in refusal("{{ today|default:patient }}").message


def test_loops_must_run_over_schema_lists():
    assert "needs a list" in refusal("{% for c in patient.full_name %}{% endfor %}").message
    assert "one loop variable" in refusal("{% for a, b in trials %}{% endfor %}").message


def test_allowed_constructs_validate_and_render():
    source = (
        EXTENDS + "{% block content %}"
        "{% for trial in trials %}{% cycle 'odd' 'even' as row silent %}"
        "{{ forloop.counter }}:{{ row }}:{{ trial.drug|upper }};{% empty %}none{% endfor %}"
        "{% with count=trials|length first=trials.0 %}{{ count }}/{{ first.drug }}{% endwith %}"
        "{% firstof patient.phone clinic.phone %}|{{ clinic.address_lines|join:' / ' }}|"
        "{% spaceless %}<b> {{ today|date:'Y-m-d' }} </b>{% endspaceless %}"
        "{% autoescape on %}{{ abn.additional_information|linebreaksbr }}{% endautoescape %}"
        "{% comment %}{{ not.checked.inside.comments }}{% endcomment %}"
        "{% endblock %}"
        "{% block footer %}{{ block.super }} (demo){% endblock %}"
    )
    validate_template(source)
    html = render_html(source, sample_context("lmn"))
    assert "1:odd:ESCITALOPRAM;2:even:SERTRALINE;" in html
    assert "6/Escitalopram" in html
    assert "(217) 555-0178|1200 Example Avenue, Suite 300 / Springfield, IL 62701|" in html
    assert "<b> 2026-06-15 </b>" in html
    assert "per session.<br>Ask us" in html
    assert "Riverbend Interventional Psychiatry · Letter of Medical Necessity" in html
    assert "(demo)" in html


def test_the_allow_lists_are_exactly_the_documented_ones():
    documented = {"if", "for", "with", "now", "cycle", "firstof", "spaceless", "autoescape"}
    assert documented | {"comment", "block", "extends"} == ALLOWED_TAGS
    assert {"safe", "safeseq", "escapejs", "urlize", "pprint", "force_escape"}.isdisjoint(
        ALLOWED_FILTERS
    )


def test_the_engine_loads_only_the_layout():
    engine = get_engine()
    assert engine.get_template(LAYOUT_NAME) is not None
    for name in ("base.html", "documents/lmn.html", "../config/settings.py", "/etc/passwd"):
        with pytest.raises(TemplateDoesNotExist):
            engine.get_template(name)


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_default_templates_validate(kind):
    validate_template(default_template_source(kind))


def test_the_layout_itself_validates():
    layout = Path(settings.BASE_DIR, "templates", LAYOUT_NAME).read_text(encoding="utf-8")
    validate_template(layout)


# --- Escaping. -------------------------------------------------------------------------
HOSTILE_NAME = (
    '<script>alert(1)</script><img src="x" onerror=alert(2)> {{ patient.mbi }} {% debug %}'
)


def test_html_and_template_syntax_typed_into_patient_fields_is_inert_and_escaped():
    context = sample_context("lmn")
    context["patient"]["full_name"] = HOSTILE_NAME
    context["patient"]["first_name"] = "{% load static %}&amp;"
    context["trials"][0]["drug"] = "</td></tr></table><h1>Injected</h1>"
    html = render_html(default_template_source("lmn"), context)

    assert "<script>" not in html and '<img src="x"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=&quot;x&quot; onerror=alert(2)&gt;" in html
    # Template syntax in data is printed as text, never evaluated.
    assert "{{ patient.mbi }} {% debug %}" in html
    assert "{% load static %}&amp;amp;" in html
    assert "<h1>Injected</h1>" not in html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;Injected&lt;/h1&gt;" in html
    # The MBI appears only where the template prints it (the RE block), not via the name.
    assert html.count("1EG4TE5MK73") == 1


def test_escaping_survives_the_allowed_filters():
    context = sample_context("lmn")
    context["clinic"]["address_lines"] = ["<b>bold</b>", "a & b"]
    context["abn"]["additional_information"] = "<i>x</i>\nline two"
    source = (
        "{{ clinic.address_lines|join:'<br>' }}|{{ abn.additional_information|linebreaksbr }}|"
        "{{ clinic.address_lines.0|upper }}|{{ patient.phone|default:'<none>' }}"
    )
    html = render_html(source, context)
    # The separator is the template author's own text; the values are escaped.
    assert "&lt;b&gt;bold&lt;/b&gt;<br>a &amp; b|" in html
    assert "&lt;i&gt;x&lt;/i&gt;<br>line two|" in html
    assert "&lt;B&gt;BOLD&lt;/B&gt;|" in html


def test_abn_context_never_reaches_the_mbi_even_if_the_template_asks():
    source = EXTENDS + "{% block content %}MBI:[{{ patient.mbi }}]{% endblock %}"
    abn = render_html(source, sample_context("abn"))
    assert "MBI:[]" in abn and "1EG4TE5MK73" not in abn
    lmn = render_html(source, sample_context("lmn"))
    assert "MBI:[1EG4TE5MK73]" in lmn


# --- Plain-data contexts. -----------------------------------------------------------
class Color(enum.StrEnum):
    RED = "red"


class Patient:
    full_name = "A model instance"


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (Patient(), "Patient"),
        (mark_safe("<b>already safe</b>"), "SafeString"),  # noqa: S308 - the point of the test
        (Color.RED, "Color"),
        ({"a", "b"}, "set"),
        (b"bytes", "bytes"),
        (lambda: "called", "function"),
        (object(), "object"),
    ],
)
def test_non_plain_context_values_are_rejected(value, type_name):
    context = sample_context("lmn")
    context["patient"]["full_name"] = value
    with pytest.raises(TypeError, match=rf"context\.patient\.full_name is a .*{type_name}"):
        render_html("{{ patient.full_name }}", context)


def test_non_str_keys_and_deep_nesting_are_rejected():
    with pytest.raises(TypeError, match="keys must be str"):
        render_html("x", {"patient": {1: "one"}})
    nested: list = []
    deep = nested
    for _ in range(20):
        deep.append([])
        deep = deep[0]
    with pytest.raises(TypeError, match="nests deeper"):
        render_html("x", {"enclosures": nested})


def test_plain_values_of_every_allowed_type_render():
    context = {
        "today": date(2026, 1, 2),
        "abn": {"items": [{"service": "s", "reason": "r", "estimated_cost": Decimal("1250.5")}]},
        "request": {"planned_sessions": 2, "dose_mg": None, "codes": ("J3490",)},
        "trials": [{"weeks": 6.5, "current_episode": True}],
    }
    source = (
        "{{ today|date:'m/d/Y' }} {% for i in abn.items %}{{ i.estimated_cost|floatformat:'2g' }}"
        "{% endfor %} {{ request.planned_sessions }} {{ request.dose_mg|default:'-' }} "
        "{{ request.codes|join:',' }} {{ trials.0.weeks }} {{ trials.0.current_episode|yesno }}"
    )
    assert render_html(source, context) == "01/02/2026 1,250.50 2 - J3490 6.5 yes"


# --- Schema, sample context and docs agree. -------------------------------------------
def leaf_paths(schema, prefix=""):
    for key, value in schema.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaf_paths(value, f"{path}.")
        elif isinstance(value, list) and isinstance(value[0], dict):
            yield from leaf_paths(value[0], f"{path}[].")
        else:
            yield path, value


def values_at(context, path):
    """Every value at a schema path like 'trials[].drug' (one per list item)."""
    values = [context]
    for part in path.split("."):
        is_list = part.endswith("[]")
        key = part.removesuffix("[]")
        values = [value[key] for value in values]
        if is_list:
            assert all(isinstance(value, list) and value for value in values), path
            values = [item for value in values for item in value]
    return values


def matches(value, leaf) -> bool:
    if isinstance(leaf, list):
        return isinstance(value, list | tuple) and all(matches(v, leaf[0]) for v in value)
    if leaf is date:  # a datetime is a date, but a date field must not be a datetime
        return type(value) is date
    return isinstance(value, leaf if isinstance(leaf, type | UnionType) else type(leaf))


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_sample_context_fills_every_schema_variable_with_the_right_type(kind):
    context = sample_context(kind)
    assert context["document"]["kind"] == kind
    for path, leaf in leaf_paths(CONTEXT_SCHEMA):
        for value in values_at(context, path):
            assert matches(value, leaf), f"{path}: {value!r} is not {leaf}"


def test_sample_contexts_exercise_every_variable_with_a_real_value():
    unexercised = set()
    for path, _leaf in leaf_paths(CONTEXT_SCHEMA):
        found = [
            value
            for kind in SAMPLE_KINDS
            for product in ("iv_ketamine", "esketamine")
            for value in values_at(sample_context(kind, product=product), path)
        ]
        if not any(value not in ("", None, [], ()) for value in found):
            unexercised.add(path)
    assert not unexercised


def test_docs_document_every_schema_variable_and_allow_listed_name():
    docs = Path(settings.BASE_DIR, "docs", "templates.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+(?:\[\])?(?:\.[a-z_]+(?:\[\])?)*)`", docs))
    missing = [path for path, _ in leaf_paths(CONTEXT_SCHEMA) if path not in documented]
    assert not missing, f"docs/templates.md does not document: {missing}"
    for name in ALLOWED_TAGS | ALLOWED_FILTERS:
        assert f"`{name}`" in docs, name


def test_sample_context_refuses_unknown_kinds():
    with pytest.raises(ValueError, match="unknown document kind"):
        sample_context("invoice")
