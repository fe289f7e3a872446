"""The JSON endpoints, one module per resource."""
