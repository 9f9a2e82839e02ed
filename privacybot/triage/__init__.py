"""Deciding what kind of message this is before anything answers it."""
