"""The OpenAPI document and a browsable page of it (no token needed; it holds no data)."""

from __future__ import annotations

import json
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import Context, Engine
from django.urls import reverse

from .openapi import openapi_document

_engine = Engine(dirs=[str(Path(__file__).parent / "templates")], autoescape=True)


def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(), json_dumps_params={"indent": 1})


def docs_page(request: HttpRequest) -> HttpResponse:
    doc = openapi_document()
    endpoints = []
    for route, methods in doc["paths"].items():
        for method, op in methods.items():
            answers = []
            for code, answer in op["responses"].items():
                ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
                answers.append((code, ref.rsplit("/", 1)[-1] if code < "400" else ""))
            body_ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            endpoints.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": route,
                    "op": op,
                    "scope": op["x-scope"],
                    "request_ref": body_ref.get("$ref", "").rsplit("/", 1)[-1],
                    "answers": answers,
                }
            )
    schemas = sorted((name, json.dumps(schema, indent=2)) for name, schema in doc["components"]["schemas"].items())
    context = {"doc": doc, "endpoints": endpoints, "schemas": schemas, "openapi_url": reverse("api:openapi")}
    # The page's one inline <style> is allowed by the CSP's nonce, which django-csp's middleware puts on the
    # request (an attribute HttpRequest's stubs cannot know).
    context["csp_nonce"] = request.csp_nonce  # type: ignore[attr-defined]
    html = _engine.get_template("api/docs.html").render(Context(context))
    return HttpResponse(html)
