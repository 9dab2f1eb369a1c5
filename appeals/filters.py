import django_filters

from appeals import deadlines
from appeals.models import Appeal
from intake.models import Provider


class AppealFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        empty_label="Any",
        choices=[(lv.value, lv.value.replace("-", " ").capitalize()) for lv in deadlines.Level],
    )
    track = django_filters.ChoiceFilter(
        label="Program",
        empty_label="Any",
        choices=[
            ("original", "Original Medicare"),
            ("advantage", "Medicare Advantage"),
            ("part-d", "Part D"),
        ],
    )
    status = django_filters.ChoiceFilter(choices=Appeal.Status.choices, empty_label="Any")
    provider = django_filters.ModelChoiceFilter(
        field_name="denial__claim__provider",
        queryset=Provider.objects.none(),
        label="Provider",
        empty_label="Any",
    )
    open_only = django_filters.BooleanFilter(
        label="Open only", method="filter_open", widget=django_filters.widgets.BooleanWidget()
    )

    class Meta:
        model = Appeal
        fields = ["level", "track", "status", "provider"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        providers = Provider.objects.all()
        if user is not None and not user.is_superuser:
            providers = providers.filter(clinic__staff=user)
        self.filters["provider"].queryset = providers

    def filter_open(self, queryset, name, value):
        return queryset.exclude(status=Appeal.Status.DECIDED) if value else queryset
