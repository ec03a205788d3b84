"""Formerly installed the shipped templates; now a post_migrate handler does (elections.apps),
with the current models, so the templates can gain fields without breaking this migration."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_initial")]

    operations = []
