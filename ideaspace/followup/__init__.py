"""The annual follow-up: yearly readings of the programme's indicators, their status and charts."""
