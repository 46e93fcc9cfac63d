"""Alarms on customers' services (ALLEGRO Alarm Management v3): raised and cleared from the
operational state the SOF keeps of each service's segments (docs/allegro-profile.md)."""
