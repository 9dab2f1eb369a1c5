"""Form fields shared by the intake pages and the admin."""

from django import forms
from django.core.validators import MaxLengthValidator
from localflavor.us.forms import USStateSelect
from localflavor.us.us_states import STATE_CHOICES

STATE_CODES = frozenset(code for code, _ in STATE_CHOICES)


class StateSelect(USStateSelect):
    """localflavor's list of states, territories and military mail, with an empty first
    choice: a list that starts at "Alabama" would file a patient there unnoticed."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Choose the state"), *self.choices]


class StateField(forms.CharField):
    """A two-letter US state code from localflavor's list (the model's USStateField).

    The page offers a list; a typed or tampered value ("ny", "ZZ") is still checked here,
    with a message that says what is wrong rather than "Select a valid choice".
    """

    widget = StateSelect

    def __init__(self, **kwargs):
        # A validator, not max_length: a <select> has no maxlength attribute.
        kwargs.setdefault("validators", [MaxLengthValidator(2)])
        kwargs.setdefault("label", "State")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        state = value.strip().upper()
        if len(state) != 2 or not state.isalpha():
            raise forms.ValidationError("Use the two-letter state code, e.g. NY.", code="format")
        if state not in STATE_CODES:
            raise forms.ValidationError(
                "“%(state)s” is not a US state or territory. Choose the state from the list.",
                code="unknown_state",
                params={"state": state},
            )
        return state
