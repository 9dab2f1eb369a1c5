"""Which antidepressant or augmentation class a medication name belongs to.

A name match for sorting an imported prior treatment into intake.choices.DrugClass — not a
clinical judgement. Generic names with the common US brand names (FDA labels); a drug that is
not listed is skipped on import so that staff enter it by hand rather than guess its class.
"""

from __future__ import annotations

import re

from .fhir_types import TrialKind

# DrugClass value -> generic and brand names.
_NAMES: dict[str, tuple[str, ...]] = {
    "ssri": [
        "citalopram",
        "celexa",
        "escitalopram",
        "lexapro",
        "fluoxetine",
        "prozac",
        "sarafem",
        "fluvoxamine",
        "luvox",
        "paroxetine",
        "paxil",
        "pexeva",
        "sertraline",
        "zoloft",
    ],
    "snri": [
        "venlafaxine",
        "effexor",
        "desvenlafaxine",
        "pristiq",
        "khedezla",
        "duloxetine",
        "cymbalta",
        "drizalma",
        "levomilnacipran",
        "fetzima",
        "milnacipran",
        "savella",
    ],
    "tca": [
        "amitriptyline",
        "elavil",
        "nortriptyline",
        "pamelor",
        "aventyl",
        "imipramine",
        "tofranil",
        "desipramine",
        "norpramin",
        "clomipramine",
        "anafranil",
        "doxepin",
        "sinequan",
        "protriptyline",
        "vivactil",
        "trimipramine",
        "surmontil",
        "amoxapine",
        "maprotiline",
    ],
    "maoi": [
        "phenelzine",
        "nardil",
        "tranylcypromine",
        "parnate",
        "isocarboxazid",
        "marplan",
        "emsam",
    ],
    "ndri": ["bupropion", "wellbutrin", "aplenzin", "forfivo", "auvelity"],
    "atypical": [
        "mirtazapine",
        "remeron",
        "trazodone",
        "desyrel",
        "oleptro",
        "vortioxetine",
        "trintellix",
        "vilazodone",
        "viibryd",
        "nefazodone",
        "gepirone",
        "exxua",
    ],
    "antipsychotic": [
        "aripiprazole",
        "abilify",
        "brexpiprazole",
        "rexulti",
        "cariprazine",
        "vraylar",
        "quetiapine",
        "seroquel",
        "olanzapine",
        "zyprexa",
        "symbyax",
        "lumateperone",
        "caplyta",
        "lurasidone",
        "latuda",
    ],
    "lithium": ["lithium", "lithobid", "eskalith"],
}
_AUGMENTATION = {"antipsychotic", "lithium"}
_PATTERNS = {
    drug_class: re.compile(r"\b(" + "|".join(names) + r")\b", re.IGNORECASE)
    for drug_class, names in _NAMES.items()
}


def classify(name: str) -> tuple[TrialKind, str] | None:
    """(trial kind, DrugClass value) for a medication name, or None when not listed.

    A combination product takes the first class in the table's order ("olanzapine and
    fluoxetine" is an SSRI trial; the brand name Symbyax alone is an antipsychotic one).
    """
    for drug_class, pattern in _PATTERNS.items():
        if pattern.search(name):
            kind: TrialKind = "augmentation" if drug_class in _AUGMENTATION else "antidepressant"
            return kind, drug_class
    return None
