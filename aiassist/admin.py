"""Admin for the kill switch only.

AI answers are deliberately NOT in the Django admin: a private draft is for its asker alone, and
superusers are not exempt. Reviewers work through the review queue, which applies the policy.
"""
from django.contrib import admin

from forum.admin import PolicyAdmin

from . import policy, services
from .models import AssistantSwitch


@admin.register(AssistantSwitch)
class AssistantSwitchAdmin(PolicyAdmin):
    """Only for those the policy lets pause the assistant: the form lists every category, restricted ones too."""

    list_display = ("__str__", "updated_at", "updated_by")
    filter_horizontal = ("disabled_categories",)
    readonly_fields = ("updated_at", "updated_by")

    @staticmethod
    def allowed(user) -> bool:
        return policy.can_configure_assistant(user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AssistantSwitch.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is checked and audited like every other.
        services.assistant_configure(acting_user=request.user, enabled=form.cleaned_data["enabled"],
                                     disabled_categories=form.cleaned_data["disabled_categories"])
        obj.pk = 1

    def save_related(self, request, form, formsets, change):
        """The service already stored the categories."""
