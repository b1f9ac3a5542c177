"""The idea barrel."""
