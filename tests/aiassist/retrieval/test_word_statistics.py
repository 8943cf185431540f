"""What a reader is shown does not depend on what they may not read: the word statistics the ranking weighs
words by (document frequencies, idf) are counted among the reader's readable passages (ranking._POSTGRES_WORDS).
tests/security/test_search_statistics.py checks every surface byte for byte."""
import pytest
from django.urls import reverse

from ...api.conftest import V1, client_for
from ...factories import make_thread

pytestmark = pytest.mark.django_db

CODENAME = "zqbluefinch"  # a word only restricted threads use, so often that it is common in the index


def _shown(client, user, query):
    api = client_for(user).get(f"{V1}/search/", {"q": query}).json()["results"]
    client.force_login(user)
    page = client.get(reverse("retrieval:search"), {"q": query}).context["page"].object_list
    return [(hit["thread"]["id"], hit["rank"]) for hit in api], [hit.thread.pk for hit in page]


def test_restricted_passages_change_nothing_an_outsider_is_shown(client, employee, other_employee, engineering,
                                                                 secops, secops_member):
    make_thread(employee, engineering, title="Exporter notes", body=f"The {CODENAME} exporter.")
    make_thread(other_employee, engineering, title="Migration notes", body="The ledger migration needs a restart.")
    query = f"{CODENAME} ledger"
    before = _shown(client, employee, query)
    for n in range(8):
        make_thread(secops_member, secops, title=f"Incident {n}", body=f"{CODENAME} is affected by incident {n}.")
    after = _shown(client, employee, query)
    assert after[1] == before[1]  # the page's order, without the API's ranks
    assert after == before
