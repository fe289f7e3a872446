"""The §48a SGB II key figures passgenau can compute from its own records (pure core).

``facts`` are the plain inputs (built by ``matcher.usecases.kennzahlen`` from the store), ``cells``
the small-cell suppression, ``figures`` the monthly figures per Jobcenter, team and case manager,
``forecast`` the lists' forecast against what happened, ``definitions`` the German definitions and
how they stand against the Kennzahlen-Verordnung. Nothing here reads a file or a database.
"""
