"""Reads the pages need beyond the service's operations, over the engine's tables: the sortable
invoice list (keyset pages, never a COUNT over the table) and its CSV, overview figures, an
account's ledger and the audit trail. Nothing here writes or applies a billing rule: amounts come
from the engine's own renderers, and every write goes through the service (`calls.write`)."""
