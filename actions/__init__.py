"""Rasa custom actions (rasa-sdk, Python 3.11): thin adapters over privacybot."""
