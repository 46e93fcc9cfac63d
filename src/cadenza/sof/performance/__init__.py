"""Performance monitoring for customers (MEF 55.0.1 §10.4): profiles, jobs, reports and their
tracking records as ALLEGRO Performance Monitoring v5 defines them, and the assembly of a
service's performance from its segments (service_pm.py)."""
