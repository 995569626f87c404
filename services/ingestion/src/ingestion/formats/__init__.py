"""Producers' wire formats mapped onto the record mapping ``Normaliser.encode`` takes.

Each module turns one ecosystem format into plain dicts with the native field names (``message``,
``timestamp``, ``level``, ``service``, ``namespace``, ``pod``, ``container``, ``node``, ``metadata``…),
so every format shares the one normalise path, its limits, redaction and per-record reasons.
No I/O here: bytes in, dicts (or ``Rejected``) out.
"""
