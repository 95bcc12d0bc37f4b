from __future__ import annotations

import gc

from django.apps import AppConfig

# A 1000-event batch allocates tens of thousands of objects that live until it is answered. With Python's
# default thresholds (700, 10, 10) each batch set off several full collections, each walking every object
# the process holds, Django's own included: a third of ingestion's CPU. Objects made at start-up are frozen
# out of collections and young ones are collected less often; the memory this lets wait is a few MB.
GC_THRESHOLDS = (10_000, 20, 20)


class EngineConfig(AppConfig):
    name = "billing_admin.engine"
    label = "engine"
    verbose_name = "Billing engine"

    def ready(self) -> None:
        from . import lookups  # noqa: F401 - registers `__any`

        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
