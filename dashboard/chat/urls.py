from __future__ import annotations

from django.urls import path

from . import console, views

app_name = "chat"

urlpatterns = [
    path("", views.page, name="home"),
    path("panel/", views.panel, name="panel"),
    path("send/", views.send, name="send"),
    path("<int:pk>/", views.page, name="conversation"),
    path("<int:pk>/stream/", views.stream, name="stream"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("calls/<int:pk>/approve/", views.approve, name="approve"),
    path("calls/<int:pk>/reject/", views.reject, name="reject"),
    path("console/", console.tool_list, name="console"),
    path("console/<str:name>/", console.tool_run, name="console-tool"),
]
