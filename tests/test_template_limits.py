"""Saving a letter template cannot pin a worker (issue 12).

Before: ten nested {% for %} over the criteria took a worker for 60 s at save, and three
saves took every worker down. Loops now nest at most MAX_LOOP_NESTING deep (refused with a
line number), and saving renders the body under the same time limit as the live preview;
both errors show next to the body with the typed text kept.
"""

import pytest
from django.urls import reverse

from documents.models import LetterTemplate
from documents.rendering import TemplateRefused, validate_template
from documents.template_engine import MAX_LOOP_NESTING
from tests.factories import UserFactory
from tests.factories_documents import element_text


def nested_loops(depth: int) -> str:
    opening = "".join(f"{{% for c{i} in assessment.evidence %}}" for i in range(depth))
    return (
        '{% extends "documents/layout.html" %}\n{% block content %}\n'
        f"<p>{opening}{{{{ c0.statement }}}}{'{% endfor %}' * depth}</p>\n{{% endblock %}}"
    )


@pytest.fixture
def lmn_v1(db):
    return LetterTemplate.objects.get(kind="lmn", version=1, clinic=None)


@pytest.fixture
def root_client(client_for):
    return client_for(UserFactory(username="root", is_superuser=True, is_staff=True))


def save(client, template, body):
    return client.post(
        reverse("admin:documents_lettertemplate_change", args=[template.pk]),
        {"change_note": "Loops", "body": body, "_save": "Save"},
    )


def test_loops_nested_up_to_the_cap_are_accepted():
    validate_template(nested_loops(MAX_LOOP_NESTING))


def test_one_loop_deeper_than_the_cap_is_refused_with_its_line():
    with pytest.raises(TemplateRefused) as refused:
        validate_template(nested_loops(MAX_LOOP_NESTING + 1))

    assert str(refused.value) == (
        f"line 3: {{% for %}} loops may nest at most {MAX_LOOP_NESTING} deep; "
        f"this one is loop {MAX_LOOP_NESTING + 1} inside the others"
    )


def test_sibling_loops_do_not_add_up_to_the_cap():
    body = nested_loops(MAX_LOOP_NESTING).replace(
        "{% endblock %}",
        "{% for c in assessment.evidence %}{{ c.statement }}{% endfor %}{% endblock %}",
    )
    validate_template(body)


def test_saving_ten_nested_loops_is_refused_next_to_the_body(lmn_v1, root_client):
    body = nested_loops(10)

    response = save(root_client, lmn_v1, body)

    assert response.status_code == 200
    assert "loops may nest at most 3 deep" in (element_text(response, "id_body_error") or "")
    assert "c9 in assessment.evidence" in response.content.decode()  # the typed text stays
    assert LetterTemplate.objects.filter(kind="lmn").count() == 1


def test_saving_a_body_slower_than_the_preview_limit_is_stopped(
    lmn_v1, root_client, settings, monkeypatch
):
    import time

    from documents import template_engine

    settings.PDF_RENDER_TIMEOUT_SECONDS = 0.3
    real = template_engine.compile_template

    class Slow:
        def __init__(self, template):
            self.template = template

        def render(self, context):
            time.sleep(2)  # interrupted by the alarm after 0.3 s
            return self.template.render(context)

    monkeypatch.setattr("documents.rendering.compile_template", lambda source: Slow(real(source)))
    started = time.monotonic()

    response = save(root_client, lmn_v1, lmn_v1.body + "\n")

    assert time.monotonic() - started < 1.5
    assert response.status_code == 200
    error = element_text(response, "id_body_error") or ""
    assert "took longer than 0.3 seconds to render and was stopped" in error
    assert LetterTemplate.objects.filter(kind="lmn").count() == 1


def test_the_preview_refuses_ten_nested_loops_too(root_client):
    data = root_client.post(
        reverse("admin:documents_lettertemplate_preview"), {"kind": "lmn", "body": nested_loops(10)}
    ).json()

    assert data["ok"] is False
    assert "loops may nest at most 3 deep" in data["error"]
