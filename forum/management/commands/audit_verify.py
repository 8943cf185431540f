"""manage.py audit_verify: recompute the audit chain and fail loudly on any tampering."""
from django.core.management.base import BaseCommand, CommandError

from forum.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exits non-zero when a row was changed or removed."

    def handle(self, *args, **options):
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at event {report.first_bad_id}: {report.problem} "
                f"({report.checked} events verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
