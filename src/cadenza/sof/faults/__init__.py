"""Fault Management for customers (ALLEGRO Fault Management v3, MEF 55.0.1 §10.4, fault part)."""
