"""Business rules as plain functions: no request, no form. They flush; the caller commits."""
