"""The Customer domain's own software (MEF 55: Customer), as a customer of a Cadenza provider
would run it: the Customer Application Coordinator of thread 10.9
(docs/threads/10.9-connectivity-for-cloud.md). It holds only the customer's credentials and
uses only ALLEGRO (interfaces/allegro)."""
