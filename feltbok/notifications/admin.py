from django.contrib import admin

from feltbok.notifications.models import NotificationType


@admin.register(NotificationType)
class NotificationTypeAdmin(admin.ModelAdmin):
    """The kinds of notification per country are data: a system administrator keeps them
    in step with the law. Notifications themselves are not in the admin: they are never
    deleted, and are corrected only with history (notifications.services.correct)."""

    list_display = ["name", "country", "recipient_type", "requires_approval", "deadline_hours"]
    list_filter = ["country", "is_active"]
    ordering = ["country", "order"]

    def has_delete_permission(self, request, obj=None):
        return False  # a type in use is protected anyway; retire it with "in use"
