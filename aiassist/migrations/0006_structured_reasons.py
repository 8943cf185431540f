"""Structured reasons (issue 14): a code beside the free text of rejections, retractions and reports,
when an answer was rejected (the metrics page's time to decision), and when its asker discarded it
(restorable for a while). Answers rejected or retracted before this migration count as "other"."""

from django.db import migrations, models

CODES = [("incorrect", "Incorrect"), ("unsafe", "Unsafe"), ("outdated", "Outdated"), ("incomplete", "Incomplete"),
         ("other", "Other")]
VALUES = [code for code, _ in CODES]


class Migration(migrations.Migration):

    dependencies = [
        # Chained after the grounding migration, which is already in the tree: two leaves would stop
        # `migrate` (and every test run) with "Conflicting migrations detected".
        ('aiassist', '0005_grounding'),
    ]

    operations = [
        migrations.AddField(
            model_name='aianswer',
            name='reject_code',
            field=models.CharField(blank=True, choices=CODES, max_length=12),
        ),
        migrations.AddField(
            model_name='aianswer',
            name='rejected_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='aianswer',
            name='retract_code',
            field=models.CharField(blank=True, choices=CODES, max_length=12),
        ),
        migrations.AddField(
            model_name='aianswer',
            name='discarded_at',
            field=models.DateTimeField(blank=True, null=True,
                                       help_text='When its asker discarded it (they may restore it for a while).'),
        ),
        migrations.AddField(
            model_name='answerreport',
            name='code',
            field=models.CharField(choices=CODES, default='other', max_length=12),
        ),
        # The answers decided before codes existed: their reason stays as written, classified "other";
        # their decision time is the row's last change (nothing changes a rejected answer after).
        migrations.RunSQL(
            "UPDATE aiassist_aianswer SET reject_code = 'other', rejected_at = updated_at WHERE status = 'rejected'",
            migrations.RunSQL.noop),
        migrations.RunSQL("UPDATE aiassist_aianswer SET retract_code = 'other' WHERE status = 'retracted'",
                          migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='aianswer',
            constraint=models.CheckConstraint(
                condition=models.Q(reject_code__in=["", *VALUES]) & models.Q(retract_code__in=["", *VALUES]),
                name='aianswer_reason_codes_valid'),
        ),
        migrations.AddConstraint(
            model_name='aianswer',
            constraint=models.CheckConstraint(condition=~models.Q(status='rejected') | ~models.Q(reject_code=''),
                                              name='aianswer_rejected_has_code'),
        ),
        migrations.AddConstraint(
            model_name='answerreport',
            constraint=models.CheckConstraint(condition=models.Q(code__in=VALUES), name='answerreport_code_valid'),
        ),
    ]
