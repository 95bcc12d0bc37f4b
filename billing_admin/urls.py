from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("billing_admin.api.urls")),
    path("", include("dashboard.urls")),
]
