"""Function views, one module per page area. Each is a thin adapter: parse the request, call the
service (every write) or a read selector, render the page or the fragment htmx asked for."""
