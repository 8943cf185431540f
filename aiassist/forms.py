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
