"""The forum: categories, threads, posts, search, notifications, the audit log and the access policy."""
