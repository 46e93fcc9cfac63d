"""ALLEGRO: Customer -> SOF. The contract only: base paths, the official OpenAPI files served,
event types, and the typed clients customers (and tests) use."""
