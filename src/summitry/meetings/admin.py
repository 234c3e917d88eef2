from django.contrib import admin

from .models import Engagement, MediaGrant, Participation


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "host", "state")
    inlines = [ParticipationInline]


@admin.register(MediaGrant)
class MediaGrantAdmin(admin.ModelAdmin):
    list_display = ("participation", "issued_at", "revoked_at", "revoked_reason")
    # The token itself is a credential: never shown, not even to staff.
    fields = readonly_fields = ("participation", "issued_at", "revoked_at", "revoked_reason")
