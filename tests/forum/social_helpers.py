"""Helpers shared by the social tests (watching, votes, profiles, unread markers, grouped notices)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, url) -> tuple[int, object]:
    """How many queries one GET of ``url`` runs, and its response."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured), response


def body(response) -> str:
    return response.content.decode()
