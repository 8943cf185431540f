"""manage.py audit_verify: recompute the audit chain and fail loudly on any tampering."""
from django.core.management.base import BaseCommand, CommandError

from forum.audit import audit_verify


class Command(BaseCommand):
    help = ("Verify the hash chain of the audit log; exits non-zero when a row was changed or removed. Prints the "
            "chain's head: keep it outside the database and pass it as --anchor next time, so that a log cut back "
            "(its newest events removed) fails too.")

    def add_arguments(self, parser):
        parser.add_argument("--anchor", default="", help="a head an earlier run printed: '<id>:<hash>'")

    def handle(self, *args, **options):
        report = audit_verify(anchor=options["anchor"])
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at event {report.first_bad_id}: {report.problem} "
                f"({report.checked} events verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
        if report.head:
            self.stdout.write(f"Head: {report.head}")
