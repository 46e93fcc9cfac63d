"""Cadenza: MEF LSO Reference Architecture."""
