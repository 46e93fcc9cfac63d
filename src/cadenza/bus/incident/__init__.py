"""Incidents (MEF 124 Trouble Ticket and Incident Management, CANTATA): the SP telling a customer
of a situation in its network that affects the customer's product. Cadenza keeps one open per
product for the outages (outage.py: opened the moment the SOF raises the alarm, MEF 55.0.1 §10.5
proactive detection) and SLS degradations (follow.py, §10.6 steps 6-7; both directions of a
service are one incident) its SOF tells the BUS of over LEGATO, follows them as the SOF works on
them and closes it when the alarm has cleared and the product meets its SLS again in every
direction (docs/bus-profile.md)."""
