"""Notices resolve themselves; searches about one person match by a normalised subject reference (filled here for
existing records); RIPA-style fields (job titles, the late-record deadline in working days)."""

from django.db import migrations, models


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
    ]
