"""The LINE channel: the clinic's LINE official account, through the Messaging API."""
