"""Install the shipped protocol templates (Kazakhstan, Russia) so every database has them."""

from django.db import migrations


def install(apps, schema_editor):
    from elections.services import install_shipped_templates

    install_shipped_templates(
        template_model=apps.get_model("elections", "ProtocolTemplate"),
        line_model=apps.get_model("elections", "ProtocolLine"),
        relation_model=apps.get_model("elections", "ControlRelation"),
    )


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
