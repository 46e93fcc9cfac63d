"""CANTATA (Customer -> Service Provider, MEF LSO): the official OpenAPI files of the APIs
Cadenza serves. The payloads are SONATA's under CANTATA base paths (interfaces/sonata/paths.py)."""
