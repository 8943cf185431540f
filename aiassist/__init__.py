"""The assistant: private AI drafts, their review and promotion into the forum."""
