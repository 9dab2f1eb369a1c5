"""The patient and home pages, composed from what each app contributes.

intake is the bottom layer and imports none of the apps above it; instead each of them
registers its panels here in its AppConfig.ready() (coverage: the assessment; documents:
the letters; appeals: denials and appeals). A panel is a template plus a function that
returns its context for this user, or None when the user may not see it. Panels run in
INSTALLED_APPS order and each sees what the earlier ones found (`page`), so the letters
panel reuses the assessment the coverage panel computed instead of computing it again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Slot = Literal["top", "bottom"]


@dataclass(frozen=True)
class Panel:
    app: str
    template: str
    context: Callable[..., dict | None]
    slot: Slot = "bottom"


_PATIENT_PANELS: dict[str, Panel] = {}
_HOME_PANELS: dict[str, Panel] = {}


def register_patient_panel(
    app: str, template: str, context: Callable[..., dict | None], slot: Slot = "bottom"
) -> None:
    # Keyed by app, so a repeated ready() (tests, autoreload) replaces instead of doubling.
    _PATIENT_PANELS[app] = Panel(app, template, context, slot)


def register_home_panel(app: str, template: str, context: Callable[..., dict | None]) -> None:
    _HOME_PANELS[app] = Panel(app, template, context)


def _compose(panels, *args) -> dict:
    context: dict = {"panels_top": [], "panels_bottom": []}
    for panel in panels:
        extra = panel.context(*args, page=context)
        if extra is None:
            continue
        context.update(extra)
        context[f"panels_{panel.slot}"].append(panel.template)
    return context


def patient_page_panels(user, patient) -> dict:
    """Context for the patient page: each visible panel's data and its template, in order."""
    return _compose(_PATIENT_PANELS.values(), user, patient)


def home_page_panels(user) -> dict:
    context = _compose(_HOME_PANELS.values(), user)
    context["home_panels"] = context.pop("panels_bottom") + context.pop("panels_top")
    return context
