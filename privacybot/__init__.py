"""Privacy-policy assistant for a medical clinic: corpus, retrieval, triage and the staff CLI."""
