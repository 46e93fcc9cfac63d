"""Usage records (MEF 55.0.1 §10.3 step 14): what the SOF reported a change of a product's
service to have changed, kept once per change for billing to rate (rows.py, repository.py;
the LEGATO route is bus/api/legato_usage.py, the contract interfaces/legato/usage.py)."""
