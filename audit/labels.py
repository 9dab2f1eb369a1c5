"""Model labels over time: entries keep the label they were written with.

The trail is append-only and each entry's hash covers its model label, so entries written
before a model moved to another app keep the old label forever. Display and filters read
them through this map (the one-app-per-job move of 2026-12: appeals/ gave its coverage and
document models to coverage/ and documents/).
"""

MOVED: dict[str, str] = {
    "appeals.coveragepolicy": "coverage.coveragepolicy",
    "appeals.assessment": "coverage.assessment",
    "appeals.lettertemplate": "documents.lettertemplate",
    "appeals.generateddocument": "documents.generateddocument",
    "appeals.documentsignature": "documents.documentsignature",
    "appeals.documentdelivery": "documents.documentdelivery",
}


def current_label(label: str) -> str:
    """Today's label of the model an entry was written for."""
    return MOVED.get(label, label)


def labels_of(label: str) -> list[str]:
    """Every label under which entries for today's `label` may be stored."""
    return [label, *(old for old, new in MOVED.items() if new == label)]
