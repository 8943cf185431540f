"""Bad input to the JSON API (and a body's declared charset on the web pages) is a clear 4xx, never a 500.

Each was a logged 500 with a traceback (alerts and log volume on demand), some of them without signing in:
a ``page_size`` longer than ``int()`` reads (``common.api.CursorPagination``); Django's request guards, a body
over DATA_UPLOAD_MAX_MEMORY_SIZE or more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters, turned into a 500 by
the API's exception handler (Django answers them 400 on the pages); JSON nested deeply enough for
``RecursionError`` (``common.parsers.JSONParser``); a multipart body in a charset that is not a text encoding,
read first by CSRF (``config.middleware.DeclaredCharsetMiddleware``). Nothing is written by any of them.
"""
import logging

import pytest
from django.test import Client

from forum.models import Post, Thread

from ..api.conftest import V1, client_for, error_of
from ..factories import make_thread, signed_in

pytestmark = pytest.mark.django_db

ERROR = logging.ERROR


@pytest.fixture
def thread(employee, other_employee, engineering):
    return make_thread(employee, engineering, title="How should celery retries back off?",
                       body="My celery tasks fail on network errors.", replies=[(other_employee, "retry_backoff.")])


def api_for(user=None):
    return client_for(user, raise_request_exception=False)


def errors_logged(caplog) -> list[str]:
    return [f"{record.name}: {record.getMessage()}" for record in caplog.records if record.levelno >= ERROR]


# 1. page_size: more digits than int() reads --------------------------------------------------------------------

LISTS = ["/threads/", "/threads/{thread}/posts/", "/notifications/", "/ai-answers/", "/search/?q=celery",
         "/categories/", "/categories/engineering/grants/", "/review-queue/", "/audit-events/"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("size", ["9" * 5000, "0" * 5000 + "5", "1" * 21], ids=["nines", "leading-zeros", "21-digits"])
def test_a_page_size_too_long_to_be_a_number_is_the_400_of_a_bad_page_size(admin_user, thread, path, size, caplog):
    url = V1 + path.format(thread=thread.pk)
    response = api_for(admin_user).get(url + ("&" if "?" in url else "?") + "page_size=" + size)
    assert error_of(response, 400, "invalid")["details"] == {"page_size": ["A whole number from 1 up."]}
    assert errors_logged(caplog) == []


def test_a_long_but_readable_page_size_still_gets_the_largest_page(employee, thread):
    client = api_for(employee)
    for size in ("9" * 20, "0" * 19 + "3"):
        response = client.get(f"{V1}/threads/{thread.pk}/posts/?page_size={size}")
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == 2


# 2. Django's request guards (SuspiciousOperation) -----------------------------------------------------------------

def test_a_body_over_the_upload_limit_is_a_413_logged_as_a_warning_and_posts_nothing(employee, thread, settings,
                                                                                      caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000  # default 2.5 MB: the same path, a smaller body
    before = Post.objects.count()
    body = b'{"body": "' + b"a" * 200_000 + b'"}'
    with caplog.at_level(logging.WARNING):
        response = api_for(employee).generic("POST", f"{V1}/threads/{thread.pk}/posts/", body,
                                             content_type="application/json")
    error_of(response, 413, "too_large")
    assert Post.objects.count() == before
    assert errors_logged(caplog) == []
    assert [r.levelno for r in caplog.records if r.name == "django.security.RequestDataTooBig"] == [logging.WARNING]


@pytest.mark.parametrize("path", ["/me/", "/threads/", "/ai-answers/"])
def test_too_many_query_parameters_are_a_400(employee, path, caplog):
    many = "&".join(f"x{i}=1" for i in range(1100))  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1000
    with caplog.at_level(logging.WARNING):
        response = api_for(employee).get(f"{V1}{path}?{many}")
    error_of(response, 400, "invalid")
    assert errors_logged(caplog) == []
    assert any(r.name == "django.security.TooManyFieldsSent" and r.levelno == logging.WARNING
               for r in caplog.records)


def test_too_many_form_fields_to_the_token_exchange_are_a_400_without_an_account(employee, caplog):
    many = "&".join(f"x{i}=1" for i in range(1100)) + f"&username={employee.username}&password=nope"
    response = api_for().generic("POST", f"{V1}/auth/token/", many.encode(),
                                 content_type="application/x-www-form-urlencoded")
    error_of(response, 400, "invalid")
    assert errors_logged(caplog) == []


def test_the_message_names_no_setting_and_no_exception(employee):
    many = "&".join(f"x{i}=1" for i in range(1100))
    message = api_for(employee).get(f"{V1}/me/?{many}").json()["error"]["message"]
    assert "DATA_UPLOAD" not in message and "TooMany" not in message and "settings" not in message


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b"])
def test_on_the_web_pages_django_refuses_the_same_with_a_400(employee, thread, settings, content_type):
    """Django answers these itself on the pages (400); nothing of ours turns them into a 500."""
    before = Post.objects.count()
    if content_type.startswith("multipart"):
        many = b"".join(b'--b\r\nContent-Disposition: form-data; name="x%d"\r\n\r\n1\r\n' % i for i in range(1100))
        many += b'--b\r\nContent-Disposition: form-data; name="body"\r\n\r\nhello there\r\n--b--\r\n'
    else:
        many = ("&".join(f"x{i}=1" for i in range(1100)) + "&body=hello+there").encode()
    client = signed_in(employee, raise_request_exception=False)
    assert client.generic("POST", f"/t/{thread.pk}/reply/", many, content_type=content_type).status_code == 400
    anonymous = Client(raise_request_exception=False)
    assert anonymous.generic("POST", "/accounts/login/", many, content_type=content_type).status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    big = b"body=" + b"a" * 5_000
    response = client.generic("POST", f"/t/{thread.pk}/reply/", big, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "The request could not be read" in response.content.decode()  # 400.html
    assert Post.objects.count() == before


# 3. Deeply nested JSON ----------------------------------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000


def test_deeply_nested_json_to_a_write_is_a_400_and_starts_nothing(employee, engineering, caplog):
    before = Thread.objects.count()
    body = b'{"category": "engineering", "title": "Nested", "body": ' + DEEP + b"}"
    response = api_for(employee).generic("POST", f"{V1}/threads/", body, content_type="application/json")
    assert "nested too deeply" in error_of(response, 400, "parse_error")["message"]
    assert Thread.objects.count() == before
    assert errors_logged(caplog) == []


def test_json_nested_a_little_is_still_read(employee, engineering):
    body = b'{"category": "engineering", "title": "Nested a little", "body": "Fine.", "x": ' + b"[" * 50 + b"]" * 50
    response = api_for(employee).generic("POST", f"{V1}/threads/", body + b"}", content_type="application/json")
    assert response.status_code == 201, response.content


def test_deeply_nested_json_to_the_token_exchange_is_a_400_without_an_account(caplog):
    response = api_for().generic("POST", f"{V1}/auth/token/", b'{"username": ' + DEEP + b"}",
                                 content_type="application/json")
    error_of(response, 400, "parse_error")
    assert errors_logged(caplog) == []


# 4. A declared charset that is not a text encoding ----------------------------------------------------------------

MULTIPART_LOGIN = (b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n'
                   b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nnope\r\n--b--\r\n')


@pytest.mark.parametrize("charset", ["rot13", "hex", "zlib", "bz2", "no-such-charset"])
def test_a_multipart_post_in_a_charset_that_is_no_text_encoding_is_a_400_even_signed_out(db, charset, caplog):
    response = Client(raise_request_exception=False).generic(
        "POST", "/accounts/login/", MULTIPART_LOGIN, content_type=f"multipart/form-data; boundary=b; charset={charset}")
    assert response.status_code == 400
    assert "not a text encoding" in response.content.decode()
    assert 'href="/static/css/vetted.css"' in response.content.decode()  # the site's page, not a bare message
    assert errors_logged(caplog) == []


def test_a_multipart_reply_in_rot13_is_a_400_and_posts_nothing(employee, thread):
    before = Post.objects.count()
    body = b'--b\r\nContent-Disposition: form-data; name="body"\r\n\r\nhello there\r\n--b--\r\n'
    response = signed_in(employee, raise_request_exception=False).generic(
        "POST", f"/t/{thread.pk}/reply/", body, content_type="multipart/form-data; boundary=b; charset=rot13")
    assert response.status_code == 400
    assert Post.objects.count() == before


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "latin-1", "us-ascii"])
def test_a_text_charset_is_read_as_before(employee, thread, charset):
    before = Post.objects.count()
    client = signed_in(employee, enforce_csrf_checks=False)
    body = b'--b\r\nContent-Disposition: form-data; name="body"\r\n\r\nhello there, all fine\r\n--b--\r\n'
    response = client.generic("POST", f"/t/{thread.pk}/reply/", body,
                              content_type=f"multipart/form-data; boundary=b; charset={charset}")
    assert response.status_code == 302, response.content[:300]
    assert Post.objects.count() == before + 1


def test_the_api_refuses_such_a_charset_in_its_error_format(employee):
    response = api_for(employee).generic("POST", f"{V1}/threads/", b'{"title": "x"}',
                                         content_type="application/json; charset=rot13")
    error_of(response, 400, "parse_error")
