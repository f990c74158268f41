"""`migrate` under a PostgreSQL advisory lock, for the EB postdeploy hook.

EB on Amazon Linux 2023 has no leader instance for hooks: every instance runs postdeploy. Each
one calls this command; the first to take the lock applies the migrations, the others wait for it
and then find nothing left to do. Concurrent `migrate` runs are therefore impossible, and the hook
is safe to run anywhere, any number of times.
"""
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

# Any fixed 64-bit number shared by every instance of this application.
MIGRATION_LOCK_KEY = 0x6562_6D69_6772  # "ebmigr"


class Command(BaseCommand):
    help = "Run migrate while holding a PostgreSQL advisory lock, so one instance migrates at a time."

    def add_arguments(self, parser):
        parser.add_argument("--lock-timeout", type=int, default=300, help="seconds to wait for the lock (default 300)")

    def handle(self, *args, lock_timeout: int, **options):
        if connection.vendor != "postgresql":
            call_command("migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout)
            return
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = %s", [f"{lock_timeout}s"])
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            try:
                self.stdout.write("migration lock acquired")
                call_command("migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
