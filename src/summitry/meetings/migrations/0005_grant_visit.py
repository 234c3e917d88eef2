from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_admission_denials")]

    operations = [
        migrations.AddField(
            model_name="mediagrant", name="e2ee",
            field=models.BooleanField(default=False, help_text=(
                "The client said it encrypts media end to end; the relay holds it to that in every offer it sends"))),
        migrations.AddField(
            model_name="mediagrant", name="channel_room",
            field=models.BigIntegerField(blank=True, null=True, help_text=(
                "The interpretation channel (AudioBridge room) this visit's relay saw it join as itself: "
                "Summitry's own record of who is connected to a booth, never Janus's participant list"))),
    ]
