"""The `privacybot` staff command line."""
