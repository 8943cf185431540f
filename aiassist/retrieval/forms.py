from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search")
    category = forms.SlugField(max_length=100, required=False)
    author = forms.CharField(max_length=150, required=False)

    def clean_q(self):
        # Control characters are not words; an input of only those is an empty search.
        return " ".join("".join(c if c.isprintable() else " " for c in self.cleaned_data["q"]).split())


class SimilarForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    q = forms.CharField(max_length=200, required=False)
