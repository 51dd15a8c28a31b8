"""Dialogs: built in code, driven directly by tests."""
