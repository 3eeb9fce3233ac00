"""NENA EIDO (NENA-STA-021.1b, JSON): building the document for a threat, and reading one from a CAD safely.

Pure Python: no Qt, no SQL. ``registry`` holds every registry value the console writes, ``build`` turns a case
snapshot (already masked by the service) into a document, ``guard`` and ``read`` turn untrusted bytes into an
intake draft or a message naming the JSON path of the first problem.
"""
