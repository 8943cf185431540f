"""Web forms for the assistant."""
from django import forms

from forum.forms import ThreadStartForm

from .models import AIAnswer


class AskingThreadStartForm(ThreadStartForm):
    ask_assistant = forms.BooleanField(
        required=False, initial=True, label="Get a private AI draft",
        help_text="Only you will see it. Nothing the assistant writes is posted without a moderator's review.",
    )


class RegenerateForm(forms.Form):
    audience = forms.ChoiceField(choices=AIAnswer.Audience.choices, initial=AIAnswer.Audience.ASKER)


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(
        choices=[(AIAnswer.Rating.HELPFUL, "Helpful"), (AIAnswer.Rating.NOT_HELPFUL, "Not helpful")])
