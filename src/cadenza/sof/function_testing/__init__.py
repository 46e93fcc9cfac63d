"""ALLEGRO Service Function Testing v3: a customer's test profiles, test jobs and test results."""
