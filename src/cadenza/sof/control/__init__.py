"""Dynamic control of a live service by its customer (MEF 55.0.1 §10.3): the bounds of its
product (bounds.py, kept by store.py) and the ALLEGRO service orders that change it within
them (change_request.py), applied by the same fulfilment workflow as a LEGATO modify."""
