"""Complaints get the client's idempotency key. Complaints drafted before it each get a UUID of
their own, so the key can be required and unique; nothing else about them changes."""

import uuid

from django.db import migrations, models


def give_each_complaint_its_own_id(apps, schema_editor):
    Complaint = apps.get_model("incidents", "Complaint")
    complaints = list(Complaint.objects.filter(client_id__isnull=True).only("pk"))
    for complaint in complaints:
        complaint.client_id = uuid.uuid4()
    Complaint.objects.bulk_update(complaints, ["client_id"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0002_evidence_attachments"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="client_id",
            field=models.UUIDField(null=True),
        ),
        migrations.RunPython(give_each_complaint_its_own_id, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="complaint",
            name="client_id",
            field=models.UUIDField(
                help_text="Made by the page or the phone that drafts it: a re-sent request drafts one complaint."),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.UniqueConstraint(fields=("client_id",), name="complaint_client_id_once"),
        ),
    ]
