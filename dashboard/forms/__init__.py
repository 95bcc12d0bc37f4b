"""Django forms for the pages. Each write form builds its operation's request payload in
`payload()`; `api_fields` maps request field paths from the service's errors onto form fields."""
