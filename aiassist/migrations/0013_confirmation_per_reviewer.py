"""A claim confirmed once per reviewer, not once in all: a confirmation counts only while its reviewer still reviews
the answer's category (``policy.standing_confirmations``, round 39's review), and then another reviewer may confirm
the claim in their own name."""
from django.conf import settings
from django.db import migrations, models
from django.db.models import Min


def keep_the_first_of_each_claim(apps, schema_editor):
    ClaimConfirmation = apps.get_model("aiassist", "ClaimConfirmation")
    first = ClaimConfirmation.objects.values("answer_id", "key").annotate(first=Min("pk")).values("first")
    ClaimConfirmation.objects.exclude(pk__in=first).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('aiassist', '0012_answer_claims'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='claimconfirmation',
            name='claimconfirmation_once_per_claim',
        ),
        # Backwards, once per claim again: the first confirmation of each claim is kept (the audit log keeps all).
        migrations.RunPython(migrations.RunPython.noop, keep_the_first_of_each_claim),
        migrations.AddConstraint(
            model_name='claimconfirmation',
            constraint=models.UniqueConstraint(fields=('answer', 'key', 'reviewer'),
                                               name='claimconfirmation_once_per_reviewer'),
        ),
    ]
