from django.db import migrations


def seed_funds(apps, schema_editor):
    from pronoia.insurance.funds import FUNDS

    Fund = apps.get_model("insurance", "Fund")
    for fund in FUNDS:
        Fund.objects.update_or_create(code=fund["code"], defaults={k: v for k, v in fund.items() if k != "code"})


class Migration(migrations.Migration):
    dependencies = [("insurance", "0001_initial")]
    operations = [migrations.RunPython(seed_funds, migrations.RunPython.noop)]
