"""The use cases: what a caller can do, orchestrated over the core and the ports.

Each module is one use case (lookups, claimant records, vacancy records, proposals and their
actions, outcomes, erasure, replay). They import no framework: the API's routes and the CLI parse,
call one use case and convert its result; tests drive them with in-memory fakes of the ports
(``matcher.usecases.ports``). Domain errors (``matcher.errors``) leave them; the edge translates.
"""
