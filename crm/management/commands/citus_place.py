from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from crm.platform.postgresql import citus
from crm.tenancy.migrations import citus_place, placement_policies_verify


class Command(BaseCommand):
    help = (
        "On a Citus coordinator, as the owner role (DB_ROLE=owner): make the platform tables "
        "reference tables and distribute every tenant table by shop_id, for a database restored "
        "from plain PostgreSQL after its migrations had run, and give the shard placements the "
        "verified tenant policy (again after moving or splitting shards; docs/scaling.md). Idempotent."
    )

    def handle(self, *args, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            if not citus.is_citus(cursor):
                raise CommandError("this database has no citus extension: CREATE EXTENSION citus first")
            citus_place(cursor)
        with transaction.atomic(), connection.cursor() as cursor:
            placement_policies_verify(cursor)
            cursor.execute("SELECT count(*) FROM pg_dist_partition")
            self.stdout.write(f"{cursor.fetchone()[0]} tables placed")
