"""Notices resolve themselves; searches about one person match by a normalised subject reference (filled here for
existing records); RIPA-style fields (job titles, the late-record deadline in working days)."""

from django.db import migrations, models


def fill_late_after(apps, schema_editor):
    """Existing records get the late-record deadline workflow now keeps (end of the next working day after the
    search)."""
    from searchlog.working_days import deadline_after

    SearchRecord = apps.get_model("searchlog", "SearchRecord")
    batch = []
    for record in SearchRecord.objects.only("pk", "searched_at").iterator(chunk_size=2000):
        record.late_after = deadline_after(record.searched_at, 1)
        batch.append(record)
        if len(batch) >= 2000:
            SearchRecord.objects.bulk_update(batch, ["late_after"])
            batch = []
    SearchRecord.objects.bulk_update(batch, ["late_after"])


def fill_subject_keys(apps, schema_editor):
    """Existing records get the key workflow now keeps: the reference without case or spaces."""
    SearchRecord = apps.get_model("searchlog", "SearchRecord")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE searchlog_searchrecord SET subject_key = lower(regexp_replace(subject_reference, '\\s', '', 'g'))"
        )
        return
    for record in SearchRecord.objects.only("pk", "subject_reference").iterator():
        key = "".join(record.subject_reference.split()).lower()
        SearchRecord.objects.filter(pk=record.pk).update(subject_key=key)


class Migration(migrations.Migration):

    dependencies = [
        ('searchlog', '0008_ig_review'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='searchrecord',
            name='searchlog_s_subject_992633_idx',
        ),
        migrations.AddField(
            model_name='notification',
            name='resolved_at',
            field=models.DateTimeField(blank=True, help_text='When the record moved on and the notice no longer asks anything (shown as done, not new).', null=True),
        ),
        migrations.AddField(
            model_name='searchrecord',
            name='subject_key',
            field=models.CharField(default='', editable=False, help_text='The subject reference without case or spaces, for matching searches about one person (kept by workflow from subject_reference).', max_length=60),
        ),
        migrations.RunPython(fill_subject_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('unjustified', 'Record not yet justified'), ('unjustified_manager', 'A team record is still not justified'), ('returned', 'Returned record not yet resubmitted'), ('review_digest', 'Records waiting for your sign-off'), ('privacy_check', 'Review your own social media privacy settings'), ('record_submitted', 'A record is waiting for your review'), ('record_returned', 'A record was returned to you'), ('ig_review', 'A record needs sign-off by information governance'), ('record_escalated', 'A record was escalated to information governance'), ('escalation_closed', 'An escalation of your record was closed'), ('ico_deadline_near', 'A breach must be reported to the ICO soon'), ('ico_deadline_passed', 'A breach is past its ICO reporting deadline'), ('emergency_record', 'An emergency search was recorded in your team'), ('draft_not_submitted', 'A complete draft not yet submitted')], max_length=30),
        ),
        migrations.AddIndex(
            model_name='searchrecord',
            index=models.Index(fields=['subject_key', 'searched_at'], name='record_subject_key_idx'),
        ),
            migrations.AddField(
            model_name='searchrecord',
            name='late_after',
            field=models.DateTimeField(blank=True, editable=False, help_text='Recorded after this moment is a late record: the end of the next working day after the search (kept by workflow from searched_at).', null=True),
        ),
        migrations.AddField(
            model_name='user',
            name='job_title',
            field=models.CharField(blank=True, help_text='Shown with their name where they signed off a record (pages, exports, the supervision pack).', max_length=100),
        ),
        migrations.RunPython(fill_late_after, migrations.RunPython.noop, elidable=True),
    ]
