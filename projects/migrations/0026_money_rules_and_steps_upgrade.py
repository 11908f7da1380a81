"""The rules that watch the money and the steps, for plans made before them: in force
from the day of the upgrade (a past year's lapses began before it, so 2021 reads as it
did). And each existing step named by the procedure it is, read from its title; its
planned and actual dates and its history stay as they were."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

RULES = {
    "step_grace_days": "STEP_GRACE_DAYS",
    "payment_days": "PAYMENT_DAYS",
    "spending_lag_points": "SPENDING_LAG_POINTS",
    "funds_at_start_percent": "FUNDS_AT_START_PERCENT",
}
# The first word found in a title names its step; in this order, so that 开工 in
# 竣工 … or 施工许可 is not taken for 开工.
STEPS = [
    ("施工许可", "permit"),
    ("许可证", "permit"),
    ("立项", "approval"),
    ("选址", "site"),
    ("用地", "site"),
    ("招标", "tender"),
    ("招投标", "tender"),
    ("竣工验收", "acceptance"),
    ("验收", "acceptance"),
    ("竣工", "finish"),
    ("决算", "accounts"),
    ("开工", "start"),
]


def forwards(apps, schema_editor):
    Plan = apps.get_model("projects", "Plan")
    PlanRule = apps.get_model("projects", "PlanRule")
    Milestone = apps.get_model("projects", "Milestone")
    today = timezone.localdate()
    rows = [
        PlanRule(
            plan=plan,
            name=name,
            value=getattr(settings, setting),
            valid_from=today,
            reason="资金与手续节点的督查规则自本日起施行。",
        )
        for name, setting in RULES.items()
        for plan in Plan.objects.exclude(rules__name=name)
    ]
    PlanRule.objects.bulk_create(rows)
    for step in Milestone.objects.filter(step="other"):
        for word, kind in STEPS:
            if word in step.title:
                Milestone.objects.filter(pk=step.pk).update(step=kind)
                break


class Migration(migrations.Migration):
    dependencies = [("projects", "0025_money_and_steps")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
