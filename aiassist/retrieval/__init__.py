"""Retrieval: the passage index, the embedders and the ranking the assistant and search share.

A part of its own: it imports ``forum`` (posts, threads, the access policy) and is imported by the
assistant and by the search pages wired in ``config``; ``forum`` never imports it.
"""
