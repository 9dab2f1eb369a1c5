from django.contrib import admin

from intake.admin_versioning import ClinicSeriesFilter, ReadOnlyAdmin, VersionedAdmin

from .models import Assessment, CoveragePolicy


@admin.register(CoveragePolicy)
class CoveragePolicyAdmin(VersionedAdmin):
    list_display = [
        "title",
        "key",
        "version",
        "program",
        "effective_from",
        "effective_to",
        "verify_flag",
        "belongs_to",
    ]
    list_filter = ["product", "indication", "program", "verify", ClinicSeriesFilter]
    search_fields = ["key", "title"]
    readonly_fields = ["version", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["key", "belongs_to", "clinic", "version", "title", "change_note"]}),
        (
            "What it covers",
            {
                "fields": [
                    "product",
                    "indication",
                    "program",
                    "fda_status",
                    "coverage_path",
                    "effective_from",
                    "effective_to",
                ]
            },
        ),
        (
            "Criteria",
            {
                "fields": [
                    "min_age",
                    "min_failed_trials",
                    "min_weeks_per_trial",
                    "min_distinct_classes",
                    "count_intolerance_as_failure",
                    "require_psychotherapy",
                    "require_augmentation",
                    "requires_oral_antidepressant",
                    "max_initial_sessions",
                    "severity",
                    "diagnosis_prefixes",
                    "excluded_diagnosis_prefixes",
                    "supporting_diagnosis_prefixes",
                    "exclusions",
                    "medically_accepted",
                    "medically_accepted_basis",
                ]
            },
        ),
        (
            "Codes and sources",
            {
                "fields": [
                    "codes",
                    "citations",
                    "criteria_citations",
                    "criteria_sources",
                    "verify",
                    "verify_note",
                    "created_by",
                    "created_at",
                ]
            },
        ),
        ("Version history", {"fields": ["version_history"]}),
    ]

    @admin.display(boolean=False, description="Verify")
    def verify_flag(self, obj):
        return "VERIFY" if obj.verify else ""


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "determination", "policy", "assessed_for", "created_at"]
    list_filter = ["determination"]
