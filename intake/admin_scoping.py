"""Clinic scoping for the Django admin: lists, pickers, sidebar filters and autocomplete.

A clinic admin sees and is offered only their own clinics' rows (issue 12: clinic B's
admin used the staff picker of B's clinic to add A's admin, then reset that user's password).
Every ModelAdmin and inline of the project mixes in `ClinicScopedFieldsMixin`, so every
foreign-key and many-to-many picker, every related sidebar filter and every autocomplete
answer goes through `scope()`; a forged POST with another clinic's id then fails the
field's own choice validation ("Select a valid choice") instead of being saved.

Which clinic a row belongs to is found from its model: the clinic itself, a `clinic`
foreign key, or else the first non-null foreign key (in declaration order) to a model that
has a clinic, e.g. a denial's claim's patient's clinic. Models with no path to a clinic
(groups, permissions) are not clinic data and are left alone. A nullable direct `clinic`
is read as "shared by every clinic" when empty (shipped letter templates and coverage
rules, once they carry a clinic).

Users are scoped by `managed_users`: a clinic admin manages only users who belong to at
least one of the admin's clinics and to no other clinic, and never a superuser.
"""

from functools import cache

from django.contrib.admin import RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from .models import Clinic


def clinics_of(user) -> QuerySet[Clinic]:
    """The clinics `user` is staff of (every clinic, for a superuser)."""
    clinics = Clinic.objects.all()
    return clinics if user.is_superuser else clinics.filter(staff=user)


def managed_users(user) -> QuerySet:
    """The users `user` may see and manage in the admin.

    A user who also works at a clinic outside the admin's is left to that clinic's admins
    (or a superuser): managing them here would reach into the other clinic.
    """
    users = get_user_model().objects.all()
    if user.is_superuser:
        return users
    mine = clinics_of(user)
    return (
        users.filter(is_superuser=False, clinics__in=mine)
        .exclude(clinics__in=Clinic.objects.exclude(pk__in=mine))
        .distinct()
    )


def _clinic_path(model: type[Model], seen: frozenset) -> str | None:
    if model is Clinic:
        return "pk"
    links = [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]
    for field in links:
        if field.related_model is Clinic:
            return field.name
    user_model = get_user_model()
    for field in links:
        related = field.related_model
        # A link to a user (created_by, ...) says who acted, not whose row it is.
        if field.null or related is user_model or related in seen:
            continue
        path = _clinic_path(related, seen | {model})
        if path:
            return f"{field.name}__{path}"
    return None


@cache
def clinic_path(model: type[Model]) -> str | None:
    """The lookup from `model` to its clinic ("pk" for Clinic), None if it has none."""
    return _clinic_path(model, frozenset())


def scope_by(queryset: QuerySet, user, path: str | None) -> QuerySet:
    """Rows of `queryset` whose clinic (reached through `path`) is one of `user`'s clinics."""
    if user.is_superuser or path is None:
        return queryset
    rule = Q(**{f"{path}__in": clinics_of(user)})
    if "__" not in path and path != "pk" and queryset.model._meta.get_field(path).null:
        rule |= Q(**{f"{path}__isnull": True})  # shared by every clinic
    return queryset.filter(rule)


def scope(queryset: QuerySet, user) -> QuerySet:
    """`queryset` cut down to what `user` may see or pick in the admin."""
    if user.is_superuser:
        return queryset
    if queryset.model is get_user_model():
        return queryset.filter(pk__in=managed_users(user).values("pk"))
    return scope_by(queryset, user, clinic_path(queryset.model))


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    """A sidebar filter on a related field listing only the rows the user may see."""

    def field_choices(self, field, request, model_admin):
        queryset = scope(field.related_model._default_manager.all(), request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        value_of = field.target_field.attname if field.many_to_one else "pk"
        return [(getattr(obj, value_of), str(obj)) for obj in queryset]


def _scoped_filter(model: type[Model], item):
    if isinstance(item, str):
        field = get_fields_from_path(model, item)[-1]
        if field.is_relation:
            return (item, ScopedRelatedFieldListFilter)
    elif isinstance(item, tuple) and item[1] is RelatedFieldListFilter:
        return (item[0], ScopedRelatedFieldListFilter)
    return item


class ClinicScopedFieldsMixin:
    """For every ModelAdmin and InlineModelAdmin: pickers, filters and autocomplete scoped.

    `get_field_queryset` is where Django builds the queryset of every foreign-key and
    many-to-many form field (select, filter_horizontal, raw id and autocomplete alike); a
    form field whose queryset is set explicitly (`kwargs["queryset"]`) must scope it itself.
    """

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db)
        return scope(queryset, request.user)

    def get_list_filter(self, request):
        return [_scoped_filter(self.model, item) for item in super().get_list_filter(request)]

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete view searches the related model's admin: its get_queryset is
        # scoped already, and this keeps the answer scoped whatever a subclass returns there.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return scope(queryset, request.user), may_have_duplicates


class ScopedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete answers, scoped like every picker, for forward relations only.

    Django's view lets any model's relation be named in the query string, not only the
    autocomplete fields, and takes the rows from the related model's admin. Scoping here as
    well keeps the answer within the user's clinics whatever that admin's get_queryset does.
    A reverse relation (`?model_name=user&field_name=clinics`) was a 500 in Django's view (it
    has no limit_choices_to); no picker uses one, so it is refused.
    """

    def process_request(self, request):
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if not source_field.concrete:
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name

    def get_queryset(self):
        queryset = scope(super().get_queryset(), self.request.user)
        # Pages must be stable (axes' AccessAttempt has no default ordering).
        return queryset if queryset.ordered else queryset.order_by("pk")
