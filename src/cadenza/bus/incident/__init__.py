"""Incidents (MEF 124 Trouble Ticket and Incident Management, CANTATA): the SP telling a customer
of a situation in its network that affects the customer's product. Cadenza keeps one open per
product for the SLS degradations its SOF tells the BUS of over LEGATO (MEF 55.0.1 §10.6 steps
6-7; both directions of a service are one incident), follows them as the SOF works on them and
closes it when the product meets its SLS again in every direction (docs/bus-profile.md)."""
