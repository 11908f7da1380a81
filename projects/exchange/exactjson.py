"""A serialization format for backups: Django's JSON, but with times to the
microsecond. Django's own JSON encoder cuts them to milliseconds, so a backup in it
would not give back the exact records. Registered as "exactjson" in settings."""

import datetime

from django.core.serializers import json
from django.core.serializers.json import DjangoJSONEncoder


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactEncoder


Deserializer = json.Deserializer
