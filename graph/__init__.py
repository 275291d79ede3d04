"""GraphQL surface: types, inputs and payloads per domain, schema assembly, the Starlette app."""
