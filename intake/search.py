"""Patient search: one box that understands names, dates of birth and Medicare numbers."""

from datetime import date, datetime

from django.db.models import Q, QuerySet

from .crypto import blind_index
from .validators import MBI_PATTERN, normalize_mbi

DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y", "%m/%d/%y")


def parse_date(text: str, today: date | None = None) -> date | None:
    today = today or date.today()
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        # strptime maps two-digit years 00-68 to 20xx; a birth date is never in the future.
        if fmt.endswith("%y") and day > today:
            day = day.replace(year=day.year - 100)
        return day
    return None


def filter_patients(patients: QuerySet, query: str) -> QuerySet:
    query = (query or "").strip()
    if not query:
        return patients
    day = parse_date(query)
    if day is not None:
        return patients.filter(date_of_birth=day)
    mbi = normalize_mbi(query)
    if MBI_PATTERN.match(mbi):
        # The MBI is encrypted at rest; its keyed hash (blind index) is what we can match.
        return patients.filter(coverage__mbi_index=blind_index(mbi))
    condition = Q()
    for word in query.split():
        condition &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(middle_name__icontains=word)
        )
    return patients.filter(condition)
