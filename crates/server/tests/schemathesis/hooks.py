"""Schemathesis hooks for the Quarterdeck API conformance run (tests/openapi_conformance.rs).

The ingestion endpoints also take NDJSON (`application/x-ndjson`), which
schemathesis has no serializer for: the document describes one row, so a
generated value is sent as one line.
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    return (json.dumps(value) + "\n").encode("utf-8")
