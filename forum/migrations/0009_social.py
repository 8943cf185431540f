"""Watching threads, how far each user has read them, helpful votes, and the thread and subject of a notice.

Existing threads are watched by everyone who wrote a human post in them (their author was told of
replies before watching existed, and still is), and existing notices that link into a thread are
filed under it, so they group and follow the reader's access like new ones.

SQLite adds ``helpful_count`` by rebuilding ``forum_post``: the rename at the end of the rebuild
re-checks every trigger, and 0006's ``forum_user_renamed`` (on the users table, reading
``forum_post``) fails that check while the old table is gone. It is dropped first and made again
after, with the post's own revision triggers of 0005, which the rebuild takes with the table.
"""
import re
from importlib import import_module

import django.db.models.deletion
from django.utils import timezone
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    Post = apps.get_model("forum", "Post")
    ThreadWatch = apps.get_model("forum", "ThreadWatch")
    Notification = apps.get_model("forum", "Notification")
    connection = schema_editor.connection
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(ThreadWatch._meta.db_table)} (user_id, thread_id, watching, created_at)"  # noqa: S608
            f" SELECT DISTINCT author_id, thread_id, %s, %s FROM {q(Post._meta.db_table)} WHERE kind = %s",
            [True, timezone.now(), "human"])
    Thread = apps.get_model("forum", "Thread")
    if connection.vendor == "postgresql":  # one statement: a million notices take seconds, not minutes
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {q(Notification._meta.db_table)} n SET thread_id = t.id"  # noqa: S608
                f" FROM {q(Thread._meta.db_table)} t"
                f" WHERE n.url ~ '^/t/[0-9]{{1,18}}/' AND t.id = substring(n.url FROM '^/t/([0-9]+)/')::bigint")
        return
    in_thread = re.compile(r"^/t/(\d+)/")
    threads = set(Thread.objects.values_list("pk", flat=True).iterator())
    notices = Notification.objects.filter(url__startswith="/t/").values_list("pk", "url")
    for pk, url in notices.iterator(chunk_size=2000):
        match = in_thread.match(url)
        if match and int(match[1]) in threads:
            Notification.objects.filter(pk=pk).update(thread_id=int(match[1]))


REVISION = import_module("forum.migrations.0005_thread_revision")
RENAME = import_module("forum.migrations.0006_thread_revision_on_rename")
SQLITE_POST_TRIGGERS = [sql for sql in REVISION.SQLITE_FORWARD if "ON forum_post" in sql]


def _sqlite_drop_rename_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS forum_user_renamed", params=None)


def _sqlite_remake_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_POST_TRIGGERS:
            schema_editor.execute(sql, params=None)
    RENAME._run({"sqlite": RENAME.SQLITE_FORWARD})(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('forum', '0008_private_audit_events_and_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_sqlite_drop_rename_trigger, migrations.RunPython.noop),
        # The grants' names as the admin shows them (forum/admin_grants.py), made in the same change.
        migrations.AlterModelOptions(
            name='categorygroupobjectpermission',
            options={'verbose_name': 'group grant', 'verbose_name_plural': 'group grants'},
        ),
        migrations.AlterModelOptions(
            name='categoryuserobjectpermission',
            options={'verbose_name': 'user grant', 'verbose_name_plural': 'user grants'},
        ),
        migrations.AddField(
            model_name='notification',
            name='thread',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='forum.thread'),
        ),
        migrations.AddField(
            model_name='notification',
            name='subject',
            field=models.CharField(blank=True, db_default='', default='', max_length=60),
        ),
        migrations.AddField(
            model_name='post',
            name='helpful_count',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.CreateModel(
            name='PostVote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='forum.post')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['user', 'post'], name='forum_postv_user_id_f240e5_idx')],
                'constraints': [models.UniqueConstraint(fields=('post', 'user'), name='postvote_once')],
            },
        ),
        migrations.CreateModel(
            name='ThreadRead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('last_read_at', models.DateTimeField()),
                ('thread', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='forum.thread')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'thread'), name='threadread_once')],
            },
        ),
        migrations.CreateModel(
            name='ThreadWatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('watching', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('thread', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='forum.thread')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('watching', True)), fields=['thread'], name='threadwatch_watchers_idx')],
                'constraints': [models.UniqueConstraint(fields=('user', 'thread'), name='threadwatch_once')],
            },
        ),
        migrations.RunPython(_sqlite_remake_triggers, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
