"""Web forms for the assistant."""
from django import forms
from django.urls import reverse

from forum.forms import ThreadStartForm

from .models import AIAnswer


class AskingThreadStartForm(ThreadStartForm):
    ask_assistant = forms.BooleanField(
        required=False, initial=True, label="Get a private AI draft",
        help_text="Only you will see it. Nothing the assistant writes is posted without a moderator's review.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As the title is typed, threads the author may read that look like the same question (htmx).
        self.fields["title"].widget.attrs.update({
            "hx-get": reverse("retrieval:similar"), "hx-trigger": "input changed delay:500ms",
            "hx-target": "#similar-threads", "hx-swap": "innerHTML", "autocomplete": "off",
            "aria-describedby": "similar-threads",
        })


class RegenerateForm(forms.Form):
    audience = forms.ChoiceField(choices=AIAnswer.Audience.choices, initial=AIAnswer.Audience.ASKER)


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(
        choices=[(AIAnswer.Rating.HELPFUL, "Helpful"), (AIAnswer.Rating.NOT_HELPFUL, "Not helpful")])


class ReasonForm(forms.Form):
    """Reject, retract and report: a reason code and its text (the services require the text for "other")."""

    code = forms.ChoiceField(choices=AIAnswer.Reason.choices, required=False)
    reason = forms.CharField(required=False, strip=False)  # its length and characters: the services


class QueueFilterForm(forms.Form):
    """The review queue's filters. An unknown value is reported and left out, never an error page."""

    category = forms.ChoiceField(required=False)
    risk = forms.ChoiceField(required=False, choices=[("", "Any risk"), (AIAnswer.Risk.HIGH, "High risk"),
                                                       (AIAnswer.Risk.LOW, "Low risk")])

    def __init__(self, data, *, categories):
        super().__init__(data)
        self.categories = {c.slug: c for c in categories}
        self.fields["category"].choices = [("", "All your categories")] + [(c.slug, c.name) for c in categories]

    def filters(self) -> dict:
        """The valid filters (an invalid one is dropped; its error stays on the form to be shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"category": self.categories.get(data.get("category") or ""), "risk": data.get("risk") or None}
