"""Any JSON, and any damage to a real example, gives a FhirImport or NotFhir; never a crash."""

import contextlib
import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interop.fhir_intake import parse_fhir, parse_fhir_json
from interop.fhir_types import FhirImport, NotFhir
from tests.interop.conftest import FHIR_DIR

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # nothing written to .hypothesis/ (a shared tree)
)
EXAMPLES = [json.loads(p.read_bytes()) for p in sorted(FHIR_DIR.glob("*.json"))]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for n, child in enumerate(value):
            yield from _paths(child, (*prefix, n))


@st.composite
def damaged_examples(draw):
    resource = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    paths = [p for p in _paths(resource) if p]
    path = draw(st.sampled_from(paths))
    parent = resource
    for step in path[:-1]:
        parent = parent[step]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON)
    return resource


def _imported_or_refused(document) -> None:
    try:
        result = parse_fhir(document)
    except NotFhir as exc:
        assert exc.reason
    else:
        assert isinstance(result, FhirImport)


@FUZZ
@given(damaged_examples())
def test_damaged_examples_are_imported_or_refused(resource):
    _imported_or_refused(resource)


@FUZZ
@given(JSON)
def test_any_json_is_imported_or_refused(document):
    _imported_or_refused(document)


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_are_imported_or_refused(data):
    with contextlib.suppress(NotFhir):
        parse_fhir_json(data)


@settings(FUZZ, max_examples=10)
@given(st.sampled_from(EXAMPLES))
def test_parsing_is_deterministic(resource):
    assert parse_fhir(resource) == parse_fhir(copy.deepcopy(resource))
