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


@schemathesis.hook
def filter_case(context, case):
    """The report endpoints ignore `from` and `to` beside a `range` preset (as
    the document says): a case with both tests nothing the server reads, and a
    "negative" one (a malformed `to` beside `range`) would be answered 200."""
    if not case.operation.path.startswith("/api/v1/reports/"):
        return True
    query = case.query or {}
    return not (query.get("range") and ("from" in query or "to" in query))
