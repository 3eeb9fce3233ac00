"""Services: the console's use cases as plain functions over an explicit session.

Each function takes keyword-only arguments and a ``Session`` whose transaction the caller owns
(``with db.write() as session:``), returns small frozen values (never ORM rows), and audits what it did.
"""
