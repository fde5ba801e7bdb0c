"""Fictional demonstration data and benchmark data.

May import the models and the services; nothing imports it except the CLI, the tests and the bench scripts.
"""
