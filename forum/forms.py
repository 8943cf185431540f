"""Web forms: input parsing and 400-style validation only; the services decide everything else."""
from django import forms

from .services import BODY_MAX, TITLE_MAX


class ThreadStartForm(forms.Form):
    category = forms.ModelChoiceField(queryset=None, empty_label=None)
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), max_length=BODY_MAX, label="Question")

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=BODY_MAX, label="Your reply")


class PostEditForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), max_length=BODY_MAX)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)
