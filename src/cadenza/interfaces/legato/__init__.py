"""LEGATO: the contract between Business Applications (BUS) and Service Orchestration (SOF):
service ordering and service inventory (Legato v5), see docs/legato-profile.md."""
