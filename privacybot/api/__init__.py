"""The FastAPI service: the assistant's public entry point (request intake, staff desk)."""
