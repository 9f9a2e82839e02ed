"""Handing a patient's data request to the clinic: the chat form's logic and the intake client."""
