"""Polls and scales: answering once, anonymously where asked, and exact results."""
