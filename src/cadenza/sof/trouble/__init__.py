"""Diagnosis and remediation of a customer's trouble (MEF 55.0.1 §10.5 steps 3-10): the BUS
reports a service over LEGATO (interfaces/legato/trouble_report.py), SOF works it as a durable
workflow (`diagnosis.py`), deciding from the evidence it gathered (`locate.py`)."""
