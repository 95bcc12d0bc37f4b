"""`field__any=[…]`: membership in a list, for the long id lists of an ingestion batch.

On PostgreSQL the list travels as one array parameter (`= ANY(%s)`): a thousand `IN` placeholders cost
more to compile and parse than the query takes to run. Elsewhere it is a plain `IN`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType


@ForeignObject.register_lookup
@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        values = [self.lhs.output_field.get_db_prep_value(v, connection, prepared=False) for v in self.rhs]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = member_of(lhs, values, connection.vendor)
        return sql, (*lhs_params, *params)


def member_of(column: str, values: list[Any], vendor: str) -> tuple[str, list[Any]]:
    """SQL for `column` is one of `values`, and its parameters; raw queries use it too."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
