"""Trouble tickets (MEF 124 Trouble Ticket and Incident Management, MEF 55.0.1 §10.5): a buyer
reporting an issue with one of its products. The BUS serves them to customers over CANTATA and,
at a partner's domain, to the SP as buyer over SONATA (docs/bus-profile.md, "Trouble tickets").

Step 1 (the ticket), the proactive case (a ticket on a product that already has an open incident
attaches to it) and steps 11-12 (the customer hears of every change, confirms or lets the
confirmation period close the ticket) are built, and so are diagnosis and remediation by SOF
(steps 2-10, `diagnosis.py`, plugged in at `desk.take_up` as `TroubleDesk.diagnose`; the
partner's linked ticket in `partner.py`, field work in bus/workforce/)."""
