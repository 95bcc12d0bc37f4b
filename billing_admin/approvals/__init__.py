"""Four-eyes approvals of money moves above their ceiling (see `billing_admin.limits`)."""
