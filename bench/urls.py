"""Benchmark-only URLs: production's, plus the bare baseline view (ROOT_URLCONF=bench.urls)."""
from django.urls import include, path

from .bareview import bare

urlpatterns = [
    path("__bench__/bare/", bare, name="bench_bare"),
    path("", include("config.urls")),
]
