"""`ilike` lookup: case-insensitive LIKE that PostgreSQL's trigram GIN indexes can serve
(Django's `icontains` wraps both sides in UPPER(), which they cannot). The value is a
LIKE pattern built by the caller with `like_escape`."""

from django.db.models import CharField, Lookup


class ILike(Lookup):
    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def register() -> None:
    CharField.register_lookup(ILike)
