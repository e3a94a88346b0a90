"""Delivery state for notifications: claim one row, send, mark (so a crash repeats at most one email).

Existing rows keep their meaning: a notice already emailed is sent, any other is pending from the
moment it was written.
"""

from django.db import migrations, models
from django.db.models import F

import searchlog.clock


def delivery_state_from_emailed_at(apps, schema_editor):
    Notification = apps.get_model("searchlog", "Notification")
    Notification.objects.filter(emailed_at__isnull=False).update(email_status="sent")
    Notification.objects.filter(emailed_at__isnull=True).update(
        email_status="pending", email_next_attempt_at=F("created_at")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('searchlog', '0004_audit_seal'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_outbox_idx',
        ),
        migrations.AddField(
            model_name='notification',
            name='email_attempts',
            field=models.PositiveIntegerField(default=0, help_text='How many times sending was started.'),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_claimed_at',
            field=models.DateTimeField(blank=True, help_text='When a sender last claimed it.', null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_error',
            field=models.CharField(blank=True, help_text='Why the last attempt failed.', max_length=500),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_next_attempt_at',
            field=models.DateTimeField(default=searchlog.clock.now, help_text='A pending email is not sent before this moment (back-off after a failure).'),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_status',
            field=models.CharField(choices=[('pending', 'Waiting to be emailed'), ('sending', 'Being emailed'), ('sent', 'Emailed'), ('failed', 'Could not be emailed'), ('skipped', 'Not emailed: the recipient has no email address')], default='pending', max_length=10),
        ),
        migrations.AlterField(
            model_name='notification',
            name='emailed_at',
            field=models.DateTimeField(blank=True, help_text='When the email was sent.', null=True),
        ),
        migrations.RunPython(delivery_state_from_emailed_at, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('email_status', 'pending')), fields=['email_next_attempt_at', 'id'], name='notification_outbox_idx'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('email_status', 'sending')), fields=['email_claimed_at'], name='notification_sending_idx'),
        ),
    ]
