"""The serialization module of the dump's format (DUMP_FORMAT).

`create_backup` registers this module for DUMP_FORMAT; Django looks up `Serializer` and
`Deserializer` in the module a format is registered with.
"""

from __future__ import annotations

import datetime as dt

from django.core.serializers import json as json_serializer


class Serializer(json_serializer.Serializer):
    """Django's JSON serializer, but datetimes and times keep their microseconds.

    DjangoJSONEncoder cuts them to milliseconds; a restore must give back rows exactly as they
    were (audit/chain.py hashes each entry's time to the microsecond). `_value_from_field` is
    the Python serializer's per-value hook: a value returned as text passes the encoder as is.
    """

    def _value_from_field(self, obj, field):
        value = super()._value_from_field(obj, field)
        if isinstance(value, dt.datetime | dt.time):
            return value.isoformat()
        return value


Deserializer = json_serializer.Deserializer
