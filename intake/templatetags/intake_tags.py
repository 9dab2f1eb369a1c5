"""Rendering formset fields in table cells, where a column header names the field."""

from django import forms, template

register = template.Library()


@register.simple_tag
def cell_input(field, *names_by_id: str) -> str:
    """The field's widget, named by the elements with these ids (the column header or the
    field's own label, then the row's title: "Dose Treatment 2") and tied to its error."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select form-select-sm"
    else:
        css = "form-control form-control-sm"
    attrs = {"aria-labelledby": " ".join(names_by_id)}
    if field.errors:
        css += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    attrs["class"] = css
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("intake/_cell_errors.html")
def cell_errors(field) -> dict:
    return {"field": field}
