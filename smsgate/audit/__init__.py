"""What auditors get from the consent ledger: filtered CSV exports and per-number reports.

`filters` parses and checks what an auditor asks for, `query` turns it into one SQL
statement, `export` renders rows as spreadsheet-safe CSV, `lookup` reports one number.
Domain code only: it takes a session and never commits (every function here only reads).
"""
