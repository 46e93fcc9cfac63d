"""INTERLUDE: SOF to partner SOF. Service ordering between SOFs is Cadenza's profile
(docs/interlude-profile.md): the LEGATO payloads at INTERLUDE base paths."""
