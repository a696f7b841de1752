"""The HTTP side of munigraph: a SPARQL 1.1 endpoint, linked-data pages and the named-query API."""
