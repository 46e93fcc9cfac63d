"""Incidents (MEF 124 Trouble Ticket and Incident Management, CANTATA): the SP telling a customer
of a situation in its network that affects the customer's product. Cadenza opens one for every
SLS degradation its SOF tells the BUS of over LEGATO (MEF 55.0.1 §10.6 steps 6-7), follows it as
the SOF works on it and closes it when the product meets its SLS again (docs/bus-profile.md)."""
