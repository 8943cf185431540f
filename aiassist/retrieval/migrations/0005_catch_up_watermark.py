"""The periodic catch-up of the passage index records up to when it has checked the changes to posts."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('retrieval', '0004_passage_vectors'),
    ]

    operations = [
        migrations.AddField(
            model_name='indexrun',
            name='checked_through',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
