"""Field work (MEF 137 Work Order and Appointment Management, MEF 113; MEF 55.0.1 §10.5 step 10):
what software cannot fix is sent to the field. `dispatch_field_work` (field.py) opens a work
order on a trouble ticket, proposes appointment slots, books one where the customer's settings
allow it (or waits for the customer to book over the API), and a simulated field force repairs
the element, port or link in the twin at the appointed simulated time; the work order
completes and the ticket is resolved with a note saying what the technician did
(docs/bus-profile.md, "Field work")."""
