"""Contact centre: knowledge base retrieval, assistant thresholds, live chat (environment variables documented here)."""
