"""The assistant's own privacy: redaction of personal data before anything is stored or logged."""
