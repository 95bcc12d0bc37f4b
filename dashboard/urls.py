from __future__ import annotations

from django.urls import include, path

from .views import accounts, activity, approvals, auth, catalog, customers, invoices, overview, tokens

app_name = "dashboard"

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("", overview.overview, name="overview"),
    path("customers/", customers.customer_list, name="customer-list"),
    path("customers/new/", customers.customer_create, name="customer-create"),
    path("customers/<str:customer_id>/", customers.customer_detail, name="customer-detail"),
    path("customers/<str:customer_id>/edit/", customers.customer_edit, name="customer-edit"),
    path("accounts/", accounts.account_list, name="account-list"),
    path("accounts/new/", accounts.account_create, name="account-create"),
    path("accounts/<str:account_id>/", accounts.account_detail, name="account-detail"),
    path("accounts/<str:account_id>/edit/", accounts.account_edit, name="account-edit"),
    path("accounts/<str:account_id>/plan/", accounts.account_assign_plan, name="account-assign-plan"),
    path("accounts/<str:account_id>/credits/", accounts.account_grant_credit, name="account-grant-credit"),
    path("accounts/<str:account_id>/top-up/", accounts.account_top_up, name="account-top-up"),
    path("accounts/<str:account_id>/panels/<str:panel>/", accounts.account_money_panel, name="account-panel"),
    path("invoices/", invoices.invoice_list, name="invoice-list"),
    path("invoices/export.csv", invoices.invoice_export_csv, name="invoice-export"),
    path("invoices/<str:invoice_id>/", invoices.invoice_detail, name="invoice-detail"),
    path("invoices/<str:invoice_id>/status/", invoices.invoice_status, name="invoice-status"),
    path("meters/", catalog.meter_list, name="meter-list"),
    path("meters/new/", catalog.meter_create, name="meter-create"),
    path("meters/<str:meter_id>/", catalog.meter_detail, name="meter-detail"),
    path("plans/", catalog.plan_list, name="plan-list"),
    path("plans/new/", catalog.plan_create, name="plan-create"),
    path("plans/<str:plan_id>/", catalog.plan_detail, name="plan-detail"),
    path("events/", activity.event_list, name="events"),
    path("metrics/", activity.metrics, name="metrics"),
    path("audit/", activity.audit_log, name="audit"),
    path("approvals/", approvals.approval_list, name="approvals"),
    path("approvals/<int:pk>/approve/", approvals.approval_decide, {"decision": "approve"}, name="approval-approve"),
    path("approvals/<int:pk>/reject/", approvals.approval_decide, {"decision": "reject"}, name="approval-reject"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/new/", tokens.token_create, name="token-create"),
    path("tokens/revoke/", tokens.token_revoke, name="token-revoke"),
    path("chat/", include("dashboard.chat.urls")),
]
